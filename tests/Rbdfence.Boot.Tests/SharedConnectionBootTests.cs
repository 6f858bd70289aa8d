using System;
using System.Collections.Generic;
using System.Diagnostics;
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
    private const int Count = 3;

    [Fact]
    public async Task Killing_the_shared_connection_unmounts_every_volume_it_served_and_systemd_brings_them_back()
    {
        List<string> volumes = await cluster.CreateFormattedImagesAsync("shboot", Count);
        string table = string.Concat(volumes.Select((v, i) => cluster.TableLine(v, $"/srv/s{i}", options: "connection=shared")));
        string[] mounts = Enumerable.Range(0, Count).Select(i => $"srv-s{i}.mount").ToArray();
        string[] services = volumes.Select(BootCluster.InstanceOf).ToArray();
        await using BootedHost host = await BootedHost.BootAsync(cluster, 5, table);
        foreach (string mount in mounts)
        {
            await host.WaitUntilActiveAsync(mount, Scenario.BootTimeout, [.. services, "rbdfenced.service"]);
        }

        string daemonPid = await host.PropertyAsync("rbdfenced.service", "MainPID");
        var before = new Dictionary<string, long>();
        foreach (string mount in mounts)
        {
            before[mount] = await host.MonotonicAsync(mount, "InactiveEnterTimestampMonotonic");
        }

        (await host.SystemctlAsync("kill", "--signal=KILL", "rbdfenced.service")).EnsureSuccess();

        // Every mount goes, within a few seconds of the kill.
        var clock = Stopwatch.StartNew();
        foreach (string mount in mounts)
        {
            while (await host.MonotonicAsync(mount, "InactiveEnterTimestampMonotonic") <= before[mount])
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"{mount} still mounted {clock.Elapsed} after the shared connection was killed:\n{await host.JournalAsync([.. services, "rbdfenced.service"])}");
                await Task.Delay(100);
            }
        }

        // When systemd saw the daemon die (it has been restarted since, perhaps: this stays the last exit).
        long killedAt = await host.MonotonicAsync("rbdfenced.service", "ActiveExitTimestampMonotonic");
        long lastUnmounted = 0;
        foreach (string mount in mounts)
        {
            lastUnmounted = Math.Max(lastUnmounted, await host.MonotonicAsync(mount, "InactiveEnterTimestampMonotonic"));
        }

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

        Assert.NotEqual(daemonPid, await host.PropertyAsync("rbdfenced.service", "MainPID"));
        BootCluster.Report($"{unmountedLine}, all mounted again by systemd");
    }
}
