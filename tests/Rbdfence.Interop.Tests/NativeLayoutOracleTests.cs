using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using Xunit;

namespace Rbdfence.Interop.Tests;

/// <summary>
/// A second oracle, independent of the scraper: gcc compiles a C program against the
/// installed Ceph headers that prints sizeof/offsetof for a sample of structs, and the
/// numbers must match the generated C# types. CI installs gcc and librbd-dev/librados-dev;
/// when they are missing the test fails (it never skips). <c>RBDFENCE_CEPH_INCLUDE</c> names
/// another release's header tree (scripts/test-bindings-releases builds these tests with
/// that release's <c>CephRelease</c> and points it at the headers unpacked from its packages).
/// </summary>
public sealed class NativeLayoutOracleTests
{
    /// <summary>C spelling of each sampled type (tagged structs need <c>struct</c>).</summary>
    private static readonly (string CSharpName, string CType)[] Sample =
    [
        ("obj_watch_t", "struct obj_watch_t"),
        ("rados_cluster_stat_t", "struct rados_cluster_stat_t"),
        ("rados_object_list_item", "rados_object_list_item"),
        ("rados_pool_stat_t", "struct rados_pool_stat_t"),
        ("rbd_image_info_t", "rbd_image_info_t"),
        ("rbd_image_watcher_t", "rbd_image_watcher_t"),
        ("rbd_linked_image_spec_t", "rbd_linked_image_spec_t"),
        ("rbd_mirror_image_info_t", "rbd_mirror_image_info_t"),
        ("rbd_mirror_image_site_status_t", "rbd_mirror_image_site_status_t"),
        ("rbd_mirror_peer_site_t", "rbd_mirror_peer_site_t"),
        ("rbd_snap_info_t", "rbd_snap_info_t"),
        ("rbd_snap_mirror_namespace_t", "rbd_snap_mirror_namespace_t"),
        ("rbd_trash_image_info_t", "rbd_trash_image_info_t"),
    ];

    private static readonly string IncludeRoot =
        Environment.GetEnvironmentVariable("RBDFENCE_CEPH_INCLUDE") is { Length: > 0 } root ? root : "/usr/include";

    private static readonly string[] Headers =
    [
        Path.Combine(IncludeRoot, "rados/librados.h"),
        Path.Combine(IncludeRoot, "rbd/librbd.h"),
    ];

    [Fact]
    public void Gcc_agrees_with_generated_layouts()
    {
        foreach (var header in Headers)
        {
            Assert.True(File.Exists(header), header + " is missing: install librbd-dev and librados-dev (CI does)");
        }

        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        var program = new StringBuilder();
        // <time.h> first: from 18.2 on, librados.h uses struct timespec without including it,
        // which strict C11 refuses ("declared inside parameter list").
        program.Append("#include <stddef.h>\n#include <stdio.h>\n#include <time.h>\n#include <rados/librados.h>\n#include <rbd/librbd.h>\n\nint main(void)\n{\n");
        foreach (var (name, cType) in Sample)
        {
            var type = GeneratedTypes.Find(name);
            Assert.True(type is not null, "no generated type for " + name);
            expected[name] = GeneratedTypes.SizeOf(type!);
            program.Append(CultureInfo.InvariantCulture, $"  printf(\"{name} %zu\\n\", sizeof({cType}));\n");
            foreach (var field in type!.GetFields(BindingFlags.Public | BindingFlags.Instance))
            {
                expected[name + "." + field.Name] = GeneratedTypes.OffsetOf(type, field);
                program.Append(CultureInfo.InvariantCulture, $"  printf(\"{name}.{field.Name} %zu\\n\", offsetof({cType}, {field.Name}));\n");
            }
        }

        program.Append("  return 0;\n}\n");
        var actual = CompileAndRun(program.ToString());

        Assert.Equal(expected.Count, actual.Count);
        foreach (var (key, value) in expected)
        {
            Assert.True(actual.TryGetValue(key, out var native), "gcc printed nothing for " + key);
            Assert.True(value == native, key + ": C# says " + value + ", gcc says " + native);
        }
    }

    private static Dictionary<string, long> CompileAndRun(string source)
    {
        var dir = Directory.CreateTempSubdirectory("rbdfence-layout-");
        try
        {
            var c = Path.Combine(dir.FullName, "layout.c");
            var exe = Path.Combine(dir.FullName, "layout");
            File.WriteAllText(c, source);
            var (code, output) = Run("gcc", "-std=c11", "-Wall", "-Werror", "-Wno-deprecated-declarations", "-I" + IncludeRoot, "-o", exe, c);
            Assert.True(code == 0, "gcc failed (exit " + code + "):\n" + output + "\n" + source);
            (code, output) = Run(exe);
            Assert.True(code == 0, "layout program failed:\n" + output);
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split(' '))
                .ToDictionary(parts => parts[0], parts => long.Parse(parts[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static (int ExitCode, string Output) Run(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Assert.Fail(fileName + " could not be started (" + ex.Message + "): install gcc (CI does)");
            throw;
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, stdout + stderr.Result);
        }
    }
}
