using System;
using System.IO;
using System.Linq;
using Xunit;

namespace Rbdfence.Mapping.Tests;

/// <summary>
/// The fuse backend finds its loop devices in sysfs, as <c>losetup -l</c> does, instead of
/// starting losetup for every look. These tests use a temporary directory shaped like
/// <c>/sys/block</c> (a fake: devices cannot be attached and detached at will here); the
/// real sysfs is exercised by the fuse backend's cluster tests.
/// </summary>
public sealed class LoopDevicesTests : IDisposable
{
    private readonly string _sys = Path.Combine(Path.GetTempPath(), "rbdfence-sysblock-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_sys))
        {
            Directory.Delete(_sys, recursive: true);
        }
    }

    [Fact]
    public void Attached_devices_are_listed_with_their_back_file_and_mode_and_cleared_or_other_devices_are_not()
    {
        Device("loop0", "/run/rbdfence/fuse/rbd%2Fv1/v1\n", ro: "0\n");
        Device("loop7", "/v2 (deleted)\n", ro: "1\n"); // its rbd-fuse gone: the file as the kernel last saw it
        Device("loop3", backingFile: null, ro: "0\n"); // cleared: no backing_file
        Device("sda", "/not/a/loop\n", ro: "0\n");

        LoopDevice[] loops = [.. LoopDevices.FromSysfs(_sys).OrderBy(l => l.Device, StringComparer.Ordinal)];

        Assert.Equal(
            [new LoopDevice("/dev/loop0", "/run/rbdfence/fuse/rbd%2Fv1/v1", false), new LoopDevice("/dev/loop7", "/v2", true)],
            loops);
    }

    [Fact]
    public void No_sysfs_means_no_loop_devices_rather_than_a_failure()
    {
        Assert.Empty(LoopDevices.FromSysfs(Path.Combine(_sys, "missing")));
    }

    private void Device(string name, string? backingFile, string ro)
    {
        string dir = Path.Combine(_sys, name);
        Directory.CreateDirectory(Path.Combine(dir, "loop"));
        File.WriteAllText(Path.Combine(dir, "ro"), ro);
        if (backingFile is not null)
        {
            File.WriteAllText(Path.Combine(dir, "loop", "backing_file"), backingFile);
        }
    }
}
