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
    public void One_device_reads_as_attached_to_its_file_and_as_nothing_once_cleared()
    {
        Device("loop4", "/run/rbdfence/fuse/rbd%2Fv4/v4\n", ro: "0\n");
        Device("loop5", backingFile: null, ro: "0\n");

        Assert.Equal(new LoopDevice("/dev/loop4", "/run/rbdfence/fuse/rbd%2Fv4/v4", false), LoopDevices.Of("/dev/loop4", _sys));
        Assert.Null(LoopDevices.Of("/dev/loop5", _sys)); // cleared: what an unmap waits for
        Assert.Null(LoopDevices.Of("/dev/loop9", _sys)); // no such device

        File.Delete(Path.Combine(_sys, "loop4", "loop", "backing_file"));
        Assert.Null(LoopDevices.Of("/dev/loop4", _sys));
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
