using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;
using Xunit.Abstractions;

namespace Rbdfence.Boot.Tests;

/// <summary>
/// The host's shared connection under systemd (connection=shared): when rbdfenced.service
/// dies, every volume it served is unmounted at once (its unit process stops the data path
/// and fails, the mount is bound to it), nothing serves them unguarded meanwhile, and
/// systemd brings the daemon and the volumes back by themselves.
/// </summary>
[Collection(BootCluster.Collection)]
public sealed class SharedConnectionBootTests(BootCluster cluster, ITestOutputHelper output)
{
    // RBDFENCE_BOOT_SHARED_KILL_VOLUMES=N overrides the count (e.g. 50, as a host with many
    // volumes would have them all go and come back at once).
    private static readonly int Count = Environment.GetEnvironmentVariable("RBDFENCE_BOOT_SHARED_KILL_VOLUMES") is { Length: > 0 } given
        ? int.Parse(given, CultureInfo.InvariantCulture) : 3;

    [Fact]
    public async Task Killing_the_shared_connection_unmounts_every_volume_it_served_and_systemd_brings_them_back()
    {
        List<string> volumes = await cluster.CreateFormattedImagesAsync("shboot", Count);
        string table = string.Concat(volumes.Select((v, i) => cluster.TableLine(v, $"/srv/s{i}", options: "connection=shared")));
        string[] mounts = Enumerable.Range(0, Count).Select(i => $"srv-s{i}.mount").ToArray();
        string[] services = volumes.Select(BootCluster.InstanceOf).ToArray();
        await using BootedHost host = await BootedHost.BootAsync(cluster, 5, table, new BootOptions { LoopDevices = Count + 16 });
        foreach (string mount in mounts)
        {
            await host.WaitUntilActiveAsync(mount, Scenario.BootTimeout, [.. services, "rbdfenced.service"]);
        }

        string daemonPid = await host.PropertyAsync("rbdfenced.service", "MainPID");
        long[] before = await host.MonotonicAsync("InactiveEnterTimestampMonotonic", mounts);

        (await host.SystemctlAsync("kill", "--signal=KILL", "rbdfenced.service")).EnsureSuccess();

        // Every mount goes, within a few seconds of the kill (one systemctl call a round).
        var clock = Stopwatch.StartNew();
        long[] after;
        while ((after = await host.MonotonicAsync("InactiveEnterTimestampMonotonic", mounts)).Where((t, i) => t <= before[i]).Count() is int left and > 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"{left} of {Count} still mounted {clock.Elapsed} after the shared connection was killed:\n{await host.JournalAsync([.. services, "rbdfenced.service"])}");
            await Task.Delay(100);
        }

        // When systemd saw the daemon die (it has been restarted since, perhaps: this stays the last exit).
        long killedAt = await host.MonotonicAsync("rbdfenced.service", "ActiveExitTimestampMonotonic");
        long lastUnmounted = after.Max();

        // Negative when the volumes' processes saw the socket close before systemd reaped the daemon.
        string unmountedLine = $"{Count} shared volumes unmounted {(lastUnmounted - killedAt) / 1000} ms after systemd saw their daemon die";
        output.WriteLine(unmountedLine);
        Assert.True(lastUnmounted - killedAt < 10_000_000, unmountedLine);
        string journal = await host.JournalAsync(services);
        Assert.Contains("shared connection (rbdfence daemon) is gone", journal, StringComparison.Ordinal);

        // And back: a new daemon, every volume held and mounted again, with no help.
        foreach (string mount in mounts)
        {
            await host.WaitUntilActiveAsync(mount, TimeSpan.FromSeconds(90), [.. services, "rbdfenced.service"]);
        }

        long lastMountedAgain = (await host.MonotonicAsync("ActiveEnterTimestampMonotonic", mounts)).Max();
        Assert.NotEqual(daemonPid, await host.PropertyAsync("rbdfenced.service", "MainPID"));
        BootCluster.Report($"{unmountedLine}, all mounted again by systemd {(lastMountedAgain - killedAt) / 1000} ms after it");
    }
}
