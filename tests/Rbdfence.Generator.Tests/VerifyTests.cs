using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace Rbdfence.Generator.Tests;

/// <summary>
/// Every generated unit, with the shipped templates beside it, passes <c>systemd-analyze
/// verify</c> (systemd's own parser: unknown keys, bad values, Where= that does not match the
/// unit name, ordering cycles, missing executables), with nothing at all on stderr.
/// </summary>
public class VerifyTests
{
    [Fact]
    public void Generated_units_and_shipped_templates_pass_systemd_analyze_verify()
    {
        using var scratch = new TempDirectory();
        string unitDirectory = scratch.MakeDirectory("units");

        // /usr/bin/rbdfence and the generator are not installed on a build machine, and verify
        // checks that every Exec*= program is executable: the copies of the templates and the
        // errors unit point at stubs instead. Nothing else in them changes.
        string stub = scratch.Join("rbdfence");
        string generatorStub = scratch.Join("rbdfence-generator");
        foreach (string path in (string[])[stub, generatorStub])
        {
            File.WriteAllText(path, "#!/bin/sh\nexit 0\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        GeneratorRunner.Outcome outcome = GeneratorRunner.InProcessFromFile(Path.Join(TestPaths.Golden, "rbdfencetab"), unitDirectory, generatorStub);
        Assert.Equal(0, outcome.ExitCode);
        foreach (string shipped in ShippedUnits())
        {
            string text = File.ReadAllText(shipped);
            File.WriteAllText(Path.Join(unitDirectory, Path.GetFileName(shipped)), text.Replace("/usr/bin/rbdfence ", stub + " ", StringComparison.Ordinal));
        }

        // Units the golden table depends on (x-systemd.requires=ceph-ready.service) exist on a
        // real host; an empty one stands in here so that Requires= resolves.
        File.WriteAllText(Path.Join(unitDirectory, "ceph-ready.service"), "[Service]\nType=oneshot\nExecStart=/bin/true\n");

        var units = new List<string>();
        foreach (string entry in Directory.EnumerateFileSystemEntries(unitDirectory).Select(Path.GetFileName).OfType<string>())
        {
            if (entry.EndsWith(".mount", StringComparison.Ordinal))
            {
                units.Add(entry);
            }
            else if (entry.StartsWith("rbdfence@", StringComparison.Ordinal) && entry.EndsWith(".service.d", StringComparison.Ordinal))
            {
                units.Add(entry[..^2]);
            }
        }

        Assert.Equal(6, units.Count(u => u.EndsWith(".mount", StringComparison.Ordinal)));
        Assert.Equal(6, units.Count(u => u.StartsWith("rbdfence@", StringComparison.Ordinal)));
        units.Add("rbdfence.target");
        units.Add("rbdfenced.service");
        // The golden table has bad lines, so it gets the unit that reports them.
        units.Add(UnitWriter.ErrorsUnit);
        // The targets the generator hooks mounts into, loaded with our .wants/.requires links.
        units.Add("remote-fs.target");

        SystemdTools.Result verify = SystemdTools.Run(
            "systemd-analyze",
            ["verify", "--man=no", .. units.Order(StringComparer.Ordinal)],
            new Dictionary<string, string>
            {
                // Our directory first, then (trailing ':') the standard unit paths.
                ["SYSTEMD_UNIT_PATH"] = unitDirectory + ":",
                ["SYSTEMD_LOG_LEVEL"] = "notice",
            });

        Assert.True(
            verify.ExitCode == 0 && verify.Stderr.Length == 0 && verify.Stdout.Length == 0,
            $"systemd-analyze verify {string.Join(' ', units)} exited {verify.ExitCode}:\n{verify.Stderr}{verify.Stdout}");
    }

    [Fact]
    public void Verify_would_notice_a_broken_unit()
    {
        // The test above is only worth something if verify complains about what it should.
        using var scratch = new TempDirectory();
        string unitDirectory = scratch.MakeDirectory("units");
        File.WriteAllText(Path.Join(unitDirectory, "mnt-x.mount"), "[Mount]\nWhat=/dev/null\nWhere=/mnt/y\nBogus=1\n");

        SystemdTools.Result verify = SystemdTools.Run(
            "systemd-analyze",
            ["verify", "--man=no", "mnt-x.mount"],
            new Dictionary<string, string> { ["SYSTEMD_UNIT_PATH"] = unitDirectory + ":" });

        Assert.Contains("Unknown key", verify.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, verify.ExitCode);
    }

    private static IEnumerable<string> ShippedUnits() =>
        Directory.EnumerateFiles(TestPaths.Units).Where(f => f.EndsWith(".service", StringComparison.Ordinal) || f.EndsWith(".target", StringComparison.Ordinal));
}
