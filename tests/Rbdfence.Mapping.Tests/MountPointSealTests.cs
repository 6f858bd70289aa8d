using System;
using System.Diagnostics;
using System.IO;
using Xunit;

namespace Rbdfence.Mapping.Tests;

/// <summary>
/// The sealed mount point on this machine's real file systems (the root file system under
/// /tmp, and a tmpfs mounted over the seal as a volume would be). Needs root, as CI is:
/// setting the immutable attribute takes CAP_LINUX_IMMUTABLE, and mounting takes CAP_SYS_ADMIN.
/// </summary>
public sealed class MountPointSealTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("rbdfence-seal-").FullName;

    public MountPointSealTests()
    {
        Assert.True(Environment.UserName == "root", "MountPointSealTests need root (CAP_LINUX_IMMUTABLE and mount), as CI runs them");
    }

    [Fact]
    public void A_missing_mount_point_is_made_and_takes_no_new_file_or_directory()
    {
        string mountPoint = Path.Join(_work, "srv", "vol1");

        Assert.Null(MountPointSeal.Seal(mountPoint));

        Assert.True(Directory.Exists(mountPoint));
        Assert.True(MountPointSeal.IsSealed(mountPoint));
        Assert.Throws<UnauthorizedAccessException>(() => File.WriteAllText(Path.Join(mountPoint, "lost"), "onto the root disk"));
        Assert.Throws<UnauthorizedAccessException>(() => Directory.CreateDirectory(Path.Join(mountPoint, "dir")));
        Assert.Empty(Directory.GetFileSystemEntries(mountPoint));
    }

    [Fact]
    public void A_volume_mounts_over_the_seal_and_is_writable_and_after_the_unmount_writes_fail_again()
    {
        string mountPoint = Path.Join(_work, "vol");
        Assert.Null(MountPointSeal.Seal(mountPoint));

        Run("mount", "-t", "tmpfs", "-o", "size=1m", "volume", mountPoint);
        try
        {
            File.WriteAllText(Path.Join(mountPoint, "data"), "on the volume");
            // Sealing again while the volume is mounted (a restart) leaves the volume's root alone.
            Assert.Null(MountPointSeal.Seal(mountPoint));
            Assert.False(MountPointSeal.IsSealed(mountPoint));
            File.WriteAllText(Path.Join(mountPoint, "more"), "still writable");
        }
        finally
        {
            Run("umount", mountPoint);
        }

        Assert.True(MountPointSeal.IsSealed(mountPoint));
        Assert.Throws<UnauthorizedAccessException>(() => File.WriteAllText(Path.Join(mountPoint, "data"), "onto the root disk"));
        Assert.Empty(Directory.GetFileSystemEntries(mountPoint));
    }

    [Fact]
    public void Sealing_twice_is_the_same_as_once()
    {
        string mountPoint = Path.Join(_work, "twice");
        Assert.Null(MountPointSeal.Seal(mountPoint));
        Assert.Null(MountPointSeal.Seal(mountPoint));
        Assert.True(MountPointSeal.IsSealed(mountPoint));
    }

    [Fact]
    public void A_symbolic_link_is_not_followed_and_is_reported()
    {
        string target = Directory.CreateDirectory(Path.Join(_work, "elsewhere")).FullName;
        string link = Path.Join(_work, "link");
        File.CreateSymbolicLink(link, target);

        string? warning = MountPointSeal.Seal(link);

        Assert.Contains("symbolic link; not sealed", warning, StringComparison.Ordinal);
        Assert.False(MountPointSeal.IsSealed(target));
    }

    [Fact]
    public void A_non_empty_directory_is_sealed_against_new_entries_and_reported()
    {
        string mountPoint = Directory.CreateDirectory(Path.Join(_work, "full")).FullName;
        File.WriteAllText(Path.Join(mountPoint, "old"), "left by someone");

        string? warning = MountPointSeal.Seal(mountPoint);

        Assert.Contains("not empty", warning, StringComparison.Ordinal);
        Assert.True(MountPointSeal.IsSealed(mountPoint));
        Assert.Throws<UnauthorizedAccessException>(() => File.WriteAllText(Path.Join(mountPoint, "new"), "x"));
    }

    [Theory]
    [InlineData("relative/vol")]
    [InlineData("FILE")]
    public void What_cannot_be_a_mount_point_is_reported_not_thrown(string which)
    {
        string path = which;
        if (which == "FILE")
        {
            path = Path.Join(_work, "file");
            File.WriteAllText(path, "a file");
        }

        string? warning = MountPointSeal.Seal(path);

        Assert.Contains("not sealed", warning, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.GetFullPath("relative/vol")));
    }

    public void Dispose()
    {
        // The seal outlives the test otherwise, and nothing could delete the directory.
        Run(false, "chattr", "-R", "-f", "-i", _work);
        Directory.Delete(_work, recursive: true);
    }

    private static void Run(string file, params string[] args) => Run(true, file, args);

    private static void Run(bool check, string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(!check || process.ExitCode == 0, $"{file} {string.Join(' ', args)}: exit {process.ExitCode}: {error}");
    }
}
