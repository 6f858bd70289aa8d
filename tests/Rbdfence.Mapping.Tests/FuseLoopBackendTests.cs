using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Rbdfence.Volumes;
using Xunit;

namespace Rbdfence.Mapping.Tests;

/// <summary>rbd-fuse + loop against the real throwaway cluster: the data path that works on this kernel.</summary>
[Collection(CephClusterFixture.Collection)]
public sealed class FuseLoopBackendTests : IDisposable
{
    private readonly CephClusterFixture _cluster;
    private readonly string _dir;
    private readonly FuseLoopBackend _backend;

    public FuseLoopBackendTests(CephClusterFixture cluster)
    {
        _cluster = cluster;
        _dir = Path.Combine(Path.GetTempPath(), "rbdfence-fuse-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _backend = new FuseLoopBackend(Path.Combine(_dir, "fuse"), timeout: TimeSpan.FromSeconds(10));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<VolumeSpec> CreateImageAsync(bool exclusiveLock = false)
    {
        string image = "fuse-" + Guid.NewGuid().ToString("N")[..8];
        string features = exclusiveLock ? "layering,exclusive-lock" : "layering";
        (await _cluster.RbdAsync("create", "--size", "64M", "--image-feature", features, "rbd/" + image)).EnsureSuccess();
        return new VolumeSpec("rbd", image);
    }

    private MapRequest Request(VolumeSpec volume) => new(volume)
    {
        ClientId = "rbdfence",
        ConfPath = _cluster.ConfPath,
        KeyringPath = _cluster.KeyringPath,
    };

    [Fact]
    public async Task Advisory_MapMkfsMountWriteUnmap_LeavesNothingBehind()
    {
        VolumeSpec volume = await CreateImageAsync();
        string mountPoint = Path.Combine(_dir, "mnt");
        Directory.CreateDirectory(mountPoint);
        MappedDevice? device = null;
        bool mounted = false;
        try
        {
            device = await _backend.MapAsync(Request(volume));
            Assert.StartsWith("/dev/loop", device.DevicePath, StringComparison.Ordinal);
            Assert.True(File.Exists(device.DevicePath));
            Assert.Equal(device, await _backend.FindMappedAsync(volume));

            await Shell.RunAsync("mkfs.ext4", "-q", device.DevicePath);
            await Shell.RunAsync("mount", device.DevicePath, mountPoint);
            mounted = true;
            await File.WriteAllTextAsync(Path.Combine(mountPoint, "hello"), "fenced\n");
            await Shell.RunAsync("sync");
            await Shell.RunAsync("umount", mountPoint);
            mounted = false;

            await _backend.UnmapAsync(device);
            device = null;
            await AssertNothingLeftAsync(volume);

            // The data reached the image: map again (advisory) and read it back.
            device = await _backend.MapAsync(Request(volume) with { ReadOnly = true });
            await Shell.RunAsync("mount", "-o", "ro,noload", device.DevicePath, mountPoint);
            mounted = true;
            Assert.Equal("fenced\n", await File.ReadAllTextAsync(Path.Combine(mountPoint, "hello")));
        }
        finally
        {
            if (mounted)
            {
                await Shell.RunAsync("umount", mountPoint);
            }

            if (device is not null)
            {
                await _backend.UnmapAsync(device);
            }
        }

        await AssertNothingLeftAsync(volume);
    }

    [Fact]
    public async Task Managed_IsRefused_AndLeavesNothingBehind()
    {
        VolumeSpec volume = await CreateImageAsync(exclusiveLock: true);
        ExclusiveNotSupportedException e = await Assert.ThrowsAsync<ExclusiveNotSupportedException>(
            () => _backend.MapAsync(Request(volume) with { Exclusive = true }));
        Assert.Contains("managed", e.Message, StringComparison.Ordinal);
        Assert.Contains("krbd or nbd", e.Message, StringComparison.Ordinal);
        Assert.False(_backend.SupportsExclusive);
        await AssertNothingLeftAsync(volume);
    }

    [Fact]
    public async Task MissingImage_Fails_AndUnmountsTheFuseMount()
    {
        var volume = new VolumeSpec("rbd", "no-such-image-" + Guid.NewGuid().ToString("N")[..8]);
        var backend = new FuseLoopBackend(Path.Combine(_dir, "fuse"), timeout: TimeSpan.FromSeconds(3));
        MapException e = await Assert.ThrowsAsync<MapException>(() => backend.MapAsync(Request(volume)));
        Assert.Contains(volume.Image, e.Message, StringComparison.Ordinal);
        await AssertNothingLeftAsync(volume);
    }

    [Fact]
    public async Task ForceUnmap_under_a_busy_file_system_frees_the_loop_device_once_the_file_system_goes()
    {
        VolumeSpec volume = await CreateImageAsync();
        string mountPoint = Path.Combine(_dir, "busy");
        Directory.CreateDirectory(mountPoint);
        MappedDevice device = await _backend.MapAsync(Request(volume));
        await Shell.RunAsync("mkfs.ext4", "-q", device.DevicePath);
        await Shell.RunAsync("mount", device.DevicePath, mountPoint);
        using (FileStream busy = File.Open(Path.Combine(mountPoint, "open"), FileMode.Create))
        {
            // A fenced holder's teardown: the data path dies under a file system still in use.
            await _backend.ForceUnmapAsync(device);
            Assert.Empty(FuseLoopBackend.RbdFuseProcesses(_backend.MountDirFor(volume)));
        }

        await Shell.RunAsync("umount", "-l", mountPoint);
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await Shell.RunAsync("losetup", "-n", "-O", "NAME")).StdOut.Split('\n').Any(l => l.Trim() == device.DevicePath))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{device.DevicePath} was left attached after its file system went (never marked for release)");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task An_rbd_fuse_started_while_another_volume_is_mounted_does_not_pin_that_volume()
    {
        // rbd-fuse's own mount namespace starts as a copy of the host's, the first volume's
        // ext4 included: kept there, that copy would keep the ext4 and its loop device alive
        // after the host unmounts it, and the first volume could never be unmapped.
        VolumeSpec first = await CreateImageAsync(), second = await CreateImageAsync();
        string mountPoint = Path.Combine(_dir, "first");
        Directory.CreateDirectory(mountPoint);
        MappedDevice a = await _backend.MapAsync(Request(first));
        MappedDevice? b = null;
        bool mounted = false;
        try
        {
            await Shell.RunAsync("mkfs.ext4", "-q", a.DevicePath);
            await Shell.RunAsync("mount", a.DevicePath, mountPoint);
            mounted = true;
            b = await _backend.MapAsync(Request(second));
            int secondFuse = Assert.Single(_backend.ServingProcesses(second));
            string seen = await File.ReadAllTextAsync($"/proc/{secondFuse}/mountinfo");
            Assert.DoesNotContain(mountPoint, seen, StringComparison.Ordinal);
            Assert.DoesNotContain(_backend.MountDirFor(first), seen, StringComparison.Ordinal);
            Assert.DoesNotContain(_backend.MountDirFor(second), await File.ReadAllTextAsync("/proc/self/mountinfo"), StringComparison.Ordinal);

            await Shell.RunAsync("umount", mountPoint);
            mounted = false;
            await _backend.UnmapAsync(a); // fails while a copy of the ext4 keeps its loop device busy
            await AssertNothingLeftAsync(first);
        }
        finally
        {
            if (mounted)
            {
                await Shell.RunAsync("umount", mountPoint);
                await _backend.UnmapAsync(a);
            }

            if (b is not null)
            {
                await _backend.UnmapAsync(b);
            }
        }

        await AssertNothingLeftAsync(second);
    }

    private async Task AssertNothingLeftAsync(VolumeSpec volume)
    {
        string mountDir = _backend.MountDirFor(volume);
        Assert.Null(await _backend.FindMappedAsync(volume));
        string loops = (await Shell.RunAsync("losetup", "-a")).StdOut;
        Assert.DoesNotContain(mountDir, loops, StringComparison.Ordinal);
        Assert.DoesNotContain(mountDir, await File.ReadAllTextAsync("/proc/mounts"), StringComparison.Ordinal);
        Assert.Empty(FuseLoopBackend.RbdFuseProcesses(mountDir));
        Assert.False(Directory.Exists(mountDir), $"{mountDir} was left behind");
    }
}
