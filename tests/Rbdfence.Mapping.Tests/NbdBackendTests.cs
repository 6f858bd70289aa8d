using System;
using System.Collections.Generic;
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

    /// <summary>
    /// Map and unmap return only once udev has handled the device (fake runner: this kernel
    /// has no nbd): systemd must not mount a device udev still probes, and a late event of
    /// an unmap must not reach systemd after the same /dev/nbdN was mapped again.
    /// </summary>
    [Fact]
    public async Task Map_and_unmap_wait_for_udev_and_a_missing_udev_only_warns()
    {
        var runner = new ScriptedRunner(udevExit: 0);
        var log = new List<string>();
        var backend = new NbdBackend(runner, (level, message) => log.Add($"{level} {message}"));
        MappedDevice device = await backend.MapAsync(new MapRequest(new VolumeSpec("rbd", "vol1")) { Exclusive = true });
        await backend.UnmapAsync(device);
        Assert.Equal(["rbd-nbd map", "udevadm settle --timeout=30", "rbd-nbd unmap /dev/nbd3", "udevadm settle --timeout=30"], runner.Calls);
        Assert.DoesNotContain(log, line => line.StartsWith("Warning", StringComparison.Ordinal));

        var withoutUdev = new ScriptedRunner(udevExit: 127);
        MappedDevice still = await new NbdBackend(withoutUdev, (level, message) => log.Add($"{level} {message}")).MapAsync(new MapRequest(new VolumeSpec("rbd", "vol1")));
        Assert.Equal("/dev/nbd3", still.DevicePath);
        Assert.Contains(log, line => line.StartsWith("Warning nbd: udev did not settle after /dev/nbd3", StringComparison.Ordinal));
    }

    private sealed class ScriptedRunner(int udevExit) : ICommandRunner
    {
        public List<string> Calls { get; } = [];

        public Task<CommandOutput> RunAsync(string fileName, IReadOnlyList<string> arguments, TimeSpan timeout, System.Threading.CancellationToken cancellationToken = default)
        {
            // rbd-nbd's map arguments are checked elsewhere (MapArguments_*): the verb is enough here.
            Calls.Add(fileName == "rbd-nbd" && arguments[0] == "map" ? "rbd-nbd map" : fileName + " " + string.Join(' ', arguments));
            return Task.FromResult(fileName switch
            {
                "udevadm" => new CommandOutput(udevExit, string.Empty, udevExit == 0 ? string.Empty : "cannot start udevadm", TimedOut: false),
                _ => new CommandOutput(0, arguments[0] == "map" ? "/dev/nbd3\n" : string.Empty, string.Empty, TimedOut: false),
            });
        }
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
