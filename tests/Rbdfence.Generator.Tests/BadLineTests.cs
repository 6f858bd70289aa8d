using System;
using System.IO;
using System.Linq;
using System.Text;
using Xunit;

namespace Rbdfence.Generator.Tests;

/// <summary>
/// Generator rules, through the real executable: a bad line is reported with its line
/// number and skipped, the other volumes are still generated, and the exit code is 0 unless
/// the output cannot be written.
/// </summary>
public class BadLineTests
{
    [Fact]
    public void Bad_lines_are_reported_by_number_and_skipped_while_the_rest_generate()
    {
        using var scratch = new TempDirectory();
        string table = scratch.Join("rbdfencetab");
        string[] lines =
        [
            "rbd/good1 /mnt/good1 ext4 defaults",                          // 1
            "this is bad",                                                  // 2
            "rbd/bad3 /mnt/bad3 ext4 defaults mode=bogus",                  // 3
            "rbd/bad4 /mnt/good1 ext4 defaults",                            // 4 duplicate mount point
            "rbd/bad5 /mnt/bad5 ext4 defaults unknown=1",                   // 5
            "\u0001",                                                       // 6 (replaced by invalid UTF-8 below)
            "rbd/bad7 relative ext4 defaults",                              // 7
            "rbd/bad8 /mnt/bad8 ext4 defaults,x-systemd.automount",         // 8
            "rbd/bad9 /mnt/bad9 ext4 defaults mode=managed,backend=fuse",   // 9
            "rbd/bad10 /mnt/bad10 ext4 defaults wait=soon",                 // 10
            "   # a comment, then a blank line",                           // 11
            string.Empty,                                                   // 12
            "rbd/good13 /mnt/good13 ext4 defaults,nofail wait=5",           // 13
            "rbd/good1 /mnt/bad14 ext4 defaults",                           // 14 duplicate volume
            "rbd/bad15 /mnt/bad15 ext4 defaults id=x extra",                // 15 too many fields
        ];
        byte[] content = Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
        int sixth = Array.IndexOf(content, (byte)1);
        content[sixth] = 0xff;
        File.WriteAllBytes(table, content);
        string output = scratch.MakeDirectory("normal");

        SystemdTools.Result result = GeneratorRunner.Executable(table, output, scratch.MakeDirectory("early"), scratch.MakeDirectory("late"));

        Assert.Equal(0, result.ExitCode);
        string[] messages = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int[] expectedLines = [2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15];
        Assert.Equal(expectedLines.Length, messages.Length);
        for (int i = 0; i < expectedLines.Length; i++)
        {
            Assert.StartsWith($"rbdfence-generator: {table}:{expectedLines[i]}: ", messages[i], StringComparison.Ordinal);
            Assert.EndsWith(", ignoring", messages[i], StringComparison.Ordinal);
        }

        Assert.Contains("mount point /mnt/good1 is already used by line 1", messages[2], StringComparison.Ordinal);
        Assert.Contains("volume rbd/good1 is already listed on line 1", messages[9], StringComparison.Ordinal);
        string[] units = Directory.EnumerateFiles(output).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["mnt-good1.mount", "mnt-good13.mount", "rbdfence-tab-errors.service"], units);
        Assert.True(File.Exists(Path.Join(output, "remote-fs.target.requires", "mnt-good1.mount")));
        Assert.True(File.Exists(Path.Join(output, "remote-fs.target.wants", "mnt-good13.mount")));
        Assert.Empty(Directory.EnumerateFiles(Path.Join(scratch.Path, "early")));
        Assert.Empty(Directory.EnumerateFiles(Path.Join(scratch.Path, "late")));
    }

    [Theory]
    [InlineData(0b110_110_100, "is writable by group or others (mode 0664)")]
    [InlineData(0b110_100_110, "is writable by group or others (mode 0646)")]
    public void A_table_others_can_write_is_not_read(int mode, string reason)
    {
        using var scratch = new TempDirectory();
        string table = scratch.Join("rbdfencetab");
        File.WriteAllText(table, "rbd/vol /mnt/vol ext4 defaults\n");
        File.SetUnixFileMode(table, (UnixFileMode)mode);
        string output = scratch.MakeDirectory("normal");

        GeneratorRunner.Outcome outcome = GeneratorRunner.InProcessFromFile(table, output);

        Assert.Equal(0, outcome.ExitCode);
        string line = Assert.Single(outcome.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"the volume table {table} {reason}; refusing it (chmod go-w); no fenced volumes generated", line, StringComparison.Ordinal);
        // Only the unit that reports it at boot: no mount, no service drop-in.
        Assert.Equal(
            [UnitWriter.ErrorsUnit, "remote-fs.target.wants/" + UnitWriter.ErrorsUnit],
            Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(output, f)).Order(StringComparer.Ordinal));

        // The control: the same table, 0644, generates the volume.
        File.SetUnixFileMode(table, (UnixFileMode)0b110_100_100);
        string again = scratch.MakeDirectory("again");
        Assert.Equal(string.Empty, GeneratorRunner.InProcessFromFile(table, again).Log);
        Assert.True(File.Exists(Path.Join(again, "mnt-vol.mount")));
    }

    [Fact]
    public void A_missing_table_generates_nothing_and_succeeds()
    {
        using var scratch = new TempDirectory();
        string output = scratch.MakeDirectory("normal");
        SystemdTools.Result result = GeneratorRunner.Executable(scratch.Join("absent"), output, output, output);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(string.Empty, result.Stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(output));
    }

    [Fact]
    public void An_output_directory_that_cannot_be_written_fails()
    {
        using var scratch = new TempDirectory();
        string table = scratch.Join("rbdfencetab");
        File.WriteAllText(table, "rbd/vol /mnt/vol ext4 defaults\n");
        SystemdTools.Result result = GeneratorRunner.Executable(table, scratch.Join("missing"), scratch.Path, scratch.Path);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("missing does not exist", result.Stderr, StringComparison.Ordinal);

        // A file where the normal directory should be: every write fails.
        File.WriteAllText(scratch.Join("file"), string.Empty);
        result = GeneratorRunner.Executable(table, scratch.Join("file", "sub"), scratch.Path, scratch.Path);
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public void Wrong_number_of_arguments_is_a_usage_error()
    {
        using var scratch = new TempDirectory();
        SystemdTools.Result result = GeneratorRunner.Executable(scratch.Join("absent"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("usage: rbdfence-generator NORMAL-DIR", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mount_unit_another_generator_wrote_is_left_alone_and_the_volume_skipped()
    {
        using var scratch = new TempDirectory();
        string output = scratch.MakeDirectory("normal");
        File.WriteAllText(Path.Join(output, "mnt-taken.mount"), "# fstab-generator's\n");
        GeneratorRunner.Outcome outcome = GeneratorRunner.InProcess(
            scratch, "rbd/taken /mnt/taken ext4 defaults\nrbd/free /mnt/free ext4 defaults\n", output);

        Assert.Equal(0, outcome.ExitCode);
        Assert.Contains(":1: mnt-taken.mount already exists", outcome.Log, StringComparison.Ordinal);
        Assert.Equal("# fstab-generator's\n", File.ReadAllText(Path.Join(output, "mnt-taken.mount")));
        Assert.False(Directory.Exists(Path.Join(output, "rbdfence@rbd-taken.service.d")));
        Assert.True(File.Exists(Path.Join(output, "rbdfence@rbd-free.service.d", "50-volume.conf")));
    }
}
