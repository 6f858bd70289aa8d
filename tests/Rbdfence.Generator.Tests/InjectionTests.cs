using System;
using System.IO;
using System.Linq;
using Rbdfence.Fencing;
using Rbdfence.Volumes;
using Xunit;

namespace Rbdfence.Generator.Tests;

/// <summary>
/// Nothing a table line contains can add a directive, a section or a line to a unit file:
/// hostile values either come out as exactly the same directives as a plain line, decoding
/// back to the original text, or the line is refused.
/// </summary>
public class InjectionTests
{
    private const string Baseline = @"rbd/plain /mnt/plain ext4 defaults";

    [Theory]
    [InlineData(@"rbd/vol""quote /mnt/q""uote ext4 defaults", "rbd/vol\"quote", "/mnt/q\"uote")]
    [InlineData(@"rbd/%n%i%%h /mnt/%h%%i ext4 defaults", "rbd/%n%i%%h", "/mnt/%h%%i")]
    [InlineData(@"rbd/]x[Service] /mnt/[Service]/ExecStart=x ext4 defaults", "rbd/]x[Service]", "/mnt/[Service]/ExecStart=x")]
    [InlineData(@"rbd/back\134slash\134 /mnt/back\134slash ext4 defaults", @"rbd/back\slash\", @"/mnt/back\slash")]
    [InlineData(@"rbd/img\040ExecStart=evil /mnt/Environment=X\040Y ext4 defaults", "rbd/img ExecStart=evil", "/mnt/Environment=X Y")]
    [InlineData(@"rbd/ns\040""\040Environment=""EVIL=1 /mnt/x\040""\040y ext4 defaults", "rbd/ns \" Environment=\"EVIL=1", "/mnt/x \" y")]
    [InlineData(@"rbd/a\134x0a\134n /mnt/a\134x0aExecStart=x ext4 defaults", @"rbd/a\x0a\n", @"/mnt/a\x0aExecStart=x")]
    [InlineData(@"rbd/ü;#x /mnt/;#ü ext4 defaults", "rbd/ü;#x", "/mnt/;#ü")]
    public void Hostile_values_give_the_same_directives_and_decode_back(string line, string spec, string mountPoint)
    {
        (UnitFile mount, UnitFile dropIn) = Generate(line, mountPoint, spec);
        (UnitFile plainMount, UnitFile plainDropIn) = Generate(Baseline, "/mnt/plain", "rbd/plain");

        Assert.Equal(plainMount.Keys(), mount.Keys());
        Assert.Equal(plainDropIn.Keys(), dropIn.Keys());
        Assert.Equal(mountPoint, UnitFile.Unpercent(mount.Single("Mount", "Where")));
        var environment = dropIn.Environment();
        Assert.Equal(plainDropIn.Environment().Keys, environment.Keys);
        Assert.Equal(spec, environment["RBDFENCE_SPEC"]);
        Assert.Equal(mountPoint, environment["RBDFENCE_MOUNT_POINT"]);
        Assert.Equal(UnitWriter.DeviceOf(spec), environment["RBDFENCE_DEVICE"]);
        Assert.Equal(UnitWriter.DeviceOf(spec), UnitFile.Unpercent(mount.Single("Mount", "What")));
        // The template's ExecStopPost starts `rbdfence release` only while this file exists: a
        // name other than rbdfence's own would leave a killed holder's lock unreleased.
        Assert.Equal(Path.GetFileName(Lease.PathFor("/run/rbdfence", VolumeSpec.Parse(spec))), environment["RBDFENCE_LEASE"]);
    }

    [Fact]
    public void Hostile_mount_options_stay_one_Options_line()
    {
        const string Options = @"context=""system_u:object_r:x:s0"",opt=%h,quote='[Service]',semi=;x";
        (UnitFile mount, _) = Generate($"rbd/o /mnt/o ext4 {Options}", "/mnt/o", "rbd/o");
        Assert.Equal(Options + ",_netdev", UnitFile.Unpercent(mount.Single("Mount", "Options")));
    }

    [Theory]
    [InlineData(@"rbd/vol\012ExecStart=/bin/evil /mnt/x ext4 defaults")]
    [InlineData(@"rbd/vol /mnt/x\012[Service] ext4 defaults")]
    [InlineData(@"rbd/vol /mnt/x ext4 defaults\012ExecStart=/bin/evil")]
    [InlineData(@"rbd/vol /mnt/x ext4 defaults,x-systemd.before=a.service\012ExecStart=x")]
    [InlineData(@"rbd/vol /mnt/x ext4 defaults id=a\012ExecStart=x")]
    [InlineData(@"rbd/vol /mnt/x ext4 defaults keyring=/k\040--conf=/evil")]
    [InlineData(@"rbd/vol /mnt/x ext4 defaults keyring=/k""x")]
    [InlineData(@"rbd/vol /mnt/x ext4 defaults conf=/c\134")]
    [InlineData(@"rbd/vol /mnt/x ext4 defaults id=a\040b")]
    [InlineData(@"rbd/vol /mnt/x\134 ext4 defaults")]
    [InlineData(@"rbd/vol /mnt/x\040 ext4 defaults")]
    [InlineData(@"rbd/vol /mnt/x\011 ext4 defaults")]
    [InlineData(@"rbd/vol\015 /mnt/x ext4 defaults")]
    [InlineData(@"rbd/vol\000 /mnt/x ext4 defaults")]
    [InlineData(@"rbd/vol\177 /mnt/x ext4 defaults")]
    [InlineData(@"rbd/vol /mnt/x ext4 defaults,opt\134")]
    [InlineData(@"rbd/vol /mnt/x ext4\012[Service] defaults")]
    [InlineData(@"rbd/vol /mnt/x ext4 x-systemd.wanted-by=a.service\040b.service")]
    [InlineData(@"rbd/vol /mnt/x ext4 x-systemd.after=%h.service")]
    [InlineData(@"rbd/vol /mnt/x ext4 x-systemd.requires=a.service\012ExecStart=x")]
    [InlineData(@"rbd/vol /mnt/x ext4 defaults mode=managed\012ExecStart=x")]
    [InlineData(@"rbd/vol /mnt/x ext4 defaults wait=1\012ExecStart=x")]
    [InlineData(@"rbd/vol /mnt/x ext4 defaults grace=1;rm")]
    [InlineData(@"rbd/vol /mnt/x ext4 defaults blocklist-expiry=60\012ExecStart=x")]
    [InlineData(@"rbd/vol /mnt/x ext4 defaults blocklist-expiry=60\040--id=admin")]
    [InlineData(@"rbd/vol /mnt/x ext4 defaults grace=NaN")]
    [InlineData(@"rbd/vol /mnt/x ext4 defaults wait=1e400")]
    [InlineData(@"rbd/vol /mnt/x ext4 defaults grace=999999999999")]
    public void Lines_that_cannot_be_written_safely_are_refused(string line)
    {
        using var scratch = new TempDirectory();
        string output = scratch.MakeDirectory("normal");
        GeneratorRunner.Outcome outcome = GeneratorRunner.InProcess(scratch, "# header\n" + line + "\n", output);

        Assert.Equal(0, outcome.ExitCode);
        Assert.Contains(":2: ", outcome.Log, StringComparison.Ordinal);
        Assert.EndsWith(", ignoring\n", outcome.Log, StringComparison.Ordinal);
        Assert.Single(outcome.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // Nothing of the line is written: only the unit that reports the table's errors,
        // which names the table, never the line.
        string[] entries = Directory.EnumerateFileSystemEntries(output, "*", SearchOption.AllDirectories)
            .Select(e => Path.GetRelativePath(output, e)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal([UnitWriter.ErrorsUnit, "remote-fs.target.wants", "remote-fs.target.wants/" + UnitWriter.ErrorsUnit], entries);
        Assert.DoesNotContain("/mnt/x", File.ReadAllText(Path.Join(output, UnitWriter.ErrorsUnit)), StringComparison.Ordinal);
    }

    private static (UnitFile Mount, UnitFile DropIn) Generate(string line, string mountPoint, string spec)
    {
        using var scratch = new TempDirectory();
        string output = scratch.MakeDirectory("normal");
        GeneratorRunner.Outcome outcome = GeneratorRunner.InProcess(scratch, line + "\n", output);
        Assert.True(outcome.ExitCode == 0 && outcome.Log.Length == 0, outcome.Log);

        string mountUnit = UnitWriter.MountUnitOf(mountPoint);
        string instance = UnitWriter.InstanceOf(spec);
        string[] files = Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(output, f)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(
            new[] { mountUnit, instance + ".d/" + UnitWriter.DropInName, "rbdfence.target.d/50-volumes.conf", "remote-fs.target.requires/" + mountUnit }.Order(StringComparer.Ordinal),
            files);

        foreach (string file in files)
        {
            // Every file, links followed, reads back as directives only.
            UnitFile.Parse(File.ReadAllText(Path.Join(output, file)));
        }

        return (
            UnitFile.Parse(File.ReadAllText(Path.Join(output, mountUnit))),
            UnitFile.Parse(File.ReadAllText(Path.Join(output, instance + ".d", UnitWriter.DropInName))));
    }
}
