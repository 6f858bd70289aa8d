using System;
using System.IO;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;

namespace Rbdfence.Boot.Tests;

/// <summary>A host boots with a volume in its table: the lock is held and the volume is mounted, writable.</summary>
[Collection(BootCluster.Collection)]
public sealed class BootTests(BootCluster cluster)
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Boot_takes_the_lock_and_mounts_the_volume_writable()
    {
        string volume = await cluster.CreateFormattedImageAsync("boot");
        await using BootedHost host = await BootedHost.BootAsync(cluster, 1, cluster.TableLine(volume, "/srv/data"));

        await host.WaitUntilActiveAsync("srv-data.mount", BootTimeout, BootCluster.InstanceOf(volume));

        // The holder's service is up, and Ceph says this host holds the lock.
        Assert.Equal("active", await host.PropertyAsync(BootCluster.InstanceOf(volume), "ActiveState"));
        string locks = (await cluster.Cluster.RbdAsync("lock", "ls", volume)).EnsureSuccess().StdOut;
        Assert.Contains(":" + host.HostName + " ", locks, StringComparison.Ordinal);

        // Mounted read-write, and what is written there is on the volume.
        Assert.StartsWith("rw", (await host.RunAsync("findmnt", "--noheadings", "--output", "OPTIONS", "/srv/data")).EnsureSuccess().StdOut.Trim(), StringComparison.Ordinal);
        (await host.RunAsync("sh", "-c", "echo fenced > /srv/data/proof && sync")).EnsureSuccess();
        Assert.Equal("fenced", (await host.RunAsync("cat", "/srv/data/proof")).EnsureSuccess().StdOut.Trim());

        // rbdfence status, on the host itself, names it.
        string status = (await host.RunAsync("rbdfence", "status", volume, "--conf", cluster.Cluster.ConfPath)).EnsureSuccess().StdOut;
        Assert.Contains($"held by {host.HostName} ", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Daemon_reload_regenerates_from_the_edited_table()
    {
        string first = await cluster.CreateFormattedImageAsync("reload");
        string second = await cluster.CreateFormattedImageAsync("added");
        await using BootedHost host = await BootedHost.BootAsync(cluster, 2, cluster.TableLine(first, "/srv/first"));
        await host.WaitUntilActiveAsync("srv-first.mount", BootTimeout, BootCluster.InstanceOf(first));
        Assert.Equal("not-found", await host.PropertyAsync("srv-second.mount", "LoadState"));

        // A line added, a malformed line added; then daemon-reload, as an operator would.
        File.AppendAllText(host.Table, cluster.TableLine(second, "/srv/second") + "rbd/broken /srv/broken\n");
        (await host.SystemctlAsync("daemon-reload")).EnsureSuccess();

        Assert.Equal("loaded", await host.PropertyAsync("srv-second.mount", "LoadState"));
        Assert.Equal("loaded", await host.PropertyAsync("rbdfence-tab-errors.service", "LoadState"));
        (await host.SystemctlAsync("start", "srv-second.mount")).EnsureSuccess();
        Assert.Equal("active", await host.PropertyAsync(BootCluster.InstanceOf(second), "ActiveState"));
        Assert.Equal("active", await host.PropertyAsync("srv-first.mount", "ActiveState"));
        string locks = (await cluster.Cluster.RbdAsync("lock", "ls", second)).EnsureSuccess().StdOut;
        Assert.Contains(":" + host.HostName + " ", locks, StringComparison.Ordinal);
    }
}
