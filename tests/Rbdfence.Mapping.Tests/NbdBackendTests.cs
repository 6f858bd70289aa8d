using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Rbdfence.Volumes;
using Xunit;
using Xunit.Abstractions;

namespace Rbdfence.Mapping.Tests;

/// <summary>
/// rbd-nbd: process management only. This kernel has no nbd module, so a real map must
/// fail, quickly and with a clear message.
/// </summary>
[Collection(CephClusterFixture.Collection)]
public sealed class NbdBackendTests
{
    private readonly CephClusterFixture _cluster;
    private readonly ITestOutputHelper _output;

    public NbdBackendTests(CephClusterFixture cluster, ITestOutputHelper output)
    {
        _cluster = cluster;
        _output = output;
    }

    [Fact]
    public void MapArguments_Managed()
    {
        var request = new MapRequest(new VolumeSpec("rbd", "tenant", "vol1"))
        {
            Exclusive = true,
            ClientId = "rbdfence",
            ConfPath = "/etc/ceph/ceph.conf",
            KeyringPath = "/etc/ceph/ceph.client.rbdfence.keyring",
        };
        Assert.Equal(
            ["map", "rbd/tenant/vol1", "--exclusive", "--id", "rbdfence", "-c", "/etc/ceph/ceph.conf", "--keyring", "/etc/ceph/ceph.client.rbdfence.keyring"],
            NbdBackend.BuildMapArguments(request));
    }

    [Fact]
    public void MapArguments_SnapshotReadOnly_WithMonitors()
    {
        var request = new MapRequest(new VolumeSpec("rbd", string.Empty, "vol1", "s1"))
        {
            ReadOnly = true,
            MonAddresses = ["10.0.0.1:6789", "10.0.0.2:6789"],
        };
        Assert.Equal(
            ["map", "rbd/vol1@s1", "--read-only", "--id", "admin", "-m", "10.0.0.1:6789,10.0.0.2:6789"],
            NbdBackend.BuildMapArguments(request));
    }

    [Fact]
    public void ListMapped_Json()
    {
        const string Json = """
            [{"id":4242,"pool":"rbd","namespace":"","image":"vol1","snap":"-","device":"/dev/nbd0"},
             {"id":4243,"pool":"rbd","namespace":"tenant","image":"vol1","snap":"s1","device":"/dev/nbd3"}]
            """;
        var devices = NbdBackend.ParseListMapped(Json);
        Assert.Equal(2, devices.Count);
        Assert.Equal(new VolumeSpec("rbd", "vol1"), devices[0].Volume);
        Assert.Equal("/dev/nbd0", devices[0].DevicePath);
        Assert.Equal(new VolumeSpec("rbd", "tenant", "vol1", "s1"), devices[1].Volume);
        Assert.True(devices[1].ReadOnly);
        Assert.Empty(NbdBackend.ParseListMapped(string.Empty));
    }

    [Fact]
    public async Task Map_OnThisKernel_FailsClearly_NotHangs()
    {
        if (!File.Exists("/usr/bin/rbd-nbd"))
        {
            _output.WriteLine("SKIPPED: rbd-nbd is not installed (apt-get install rbd-nbd)");
            return;
        }

        string image = "nbd-" + Guid.NewGuid().ToString("N")[..8];
        (await _cluster.RbdAsync("create", "--size", "16M", "--image-feature", "layering,exclusive-lock", "rbd/" + image)).EnsureSuccess();
        var backend = new NbdBackend(timeout: TimeSpan.FromSeconds(30));
        var request = new MapRequest(new VolumeSpec("rbd", image))
        {
            ClientId = "rbdfence",
            ConfPath = _cluster.ConfPath,
            KeyringPath = _cluster.KeyringPath,
            Exclusive = true,
        };
        var stopwatch = Stopwatch.StartNew();
        MappedDevice? device = null;
        try
        {
            MapException e = await Assert.ThrowsAsync<MapException>(async () => device = await backend.MapAsync(request));
            _output.WriteLine($"{stopwatch.ElapsedMilliseconds} ms: {e.Message}");
            Assert.Contains("rbd-nbd could not map rbd/" + image, e.Message, StringComparison.Ordinal);
            // rbd-nbd's own reason (no nbd module / no free device) and the hint, not a bare exit code.
            Assert.Contains("modprobe nbd", e.Message, StringComparison.Ordinal);
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(25), "rbd-nbd map should fail fast on a kernel without nbd");
            Assert.Null(await backend.FindMappedAsync(request.Volume));
        }
        finally
        {
            if (device is not null)
            {
                await backend.UnmapAsync(device);
            }
        }
    }
}
