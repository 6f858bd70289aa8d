using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using Xunit;

namespace Rbdfence.Generator.Tests;

/// <summary>
/// <c>scripts/install</c> into a staging root: the NativeAOT binaries, the generator where
/// systemd looks for generators, the templates and docs, all working from there; and
/// <c>--uninstall</c> removes exactly that.
/// </summary>
public sealed class InstallTests
{
    private static readonly string[] Installed =
    [
        "usr/bin/rbdfence",
        "usr/lib/systemd/system-generators/rbdfence-generator",
        "usr/lib/systemd/system/rbdfence@.service",
        "usr/lib/systemd/system/rbdfence.target",
        "usr/lib/systemd/system/rbdfenced.service",
        "usr/share/doc/rbdfence/RBDFENCETAB.md",
        "usr/share/doc/rbdfence/rbdfencetab.example",
    ];

    [Fact]
    public async Task Install_puts_working_binaries_and_units_in_place_and_uninstall_removes_them()
    {
        using var root = new TempDirectory();
        string script = Path.GetFullPath(Path.Join(TestPaths.Units, "..", "scripts", "install"));

        (int code, string output) = await RunAsync(script, "--destdir", root.Path);
        Assert.True(code == 0, output);
        foreach (string file in Installed)
        {
            Assert.True(File.Exists(root.Join(file)), $"{file} was not installed: {output}");
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
            File.GetUnixFileMode(root.Join("usr/bin/rbdfence")));

        // The installed NativeAOT CLI runs without the SDK and keeps its exit codes.
        (code, output) = await RunAsync(root.Join("usr/bin/rbdfence"), "acquire", "not-a-spec");
        Assert.True(code == 64, output);
        Assert.Contains("is not a volume spec", output, StringComparison.Ordinal);

        // The installed generator turns the golden table into units, as systemd would run it.
        string normal = root.MakeDirectory("normal"), early = root.MakeDirectory("early"), late = root.MakeDirectory("late");
        (code, output) = await RunAsync(root.Join("usr/lib/systemd/system-generators/rbdfence-generator"), [normal, early, late],
            ("RBDFENCE_TAB", Path.Join(TestPaths.Golden, "rbdfencetab")));
        Assert.True(code == 0, output);
        Assert.NotEmpty(Directory.GetFiles(normal, "*.mount"));

        (code, output) = await RunAsync(script, "--uninstall", "--destdir", root.Path);
        Assert.True(code == 0, output);
        foreach (string file in Installed)
        {
            Assert.False(File.Exists(root.Join(file)), $"{file} is still there after --uninstall");
        }
    }

    private static Task<(int, string)> RunAsync(string program, params string[] arguments) => RunAsync(program, arguments, []);

    private static async Task<(int, string)> RunAsync(string program, string[] arguments, params (string Name, string Value)[] environment)
    {
        var psi = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach ((string name, string value) in environment)
        {
            psi.Environment[name] = value;
        }

        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(), stderr = p.StandardError.ReadToEndAsync();
        // The install builds two NativeAOT binaries: about a minute here.
        using var timeout = new System.Threading.CancellationTokenSource(TimeSpan.FromMinutes(10));
        await p.WaitForExitAsync(timeout.Token);
        return (p.ExitCode, await stdout + await stderr);
    }
}
