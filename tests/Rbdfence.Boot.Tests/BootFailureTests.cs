using System;
using System.IO;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;
using Xunit.Abstractions;

namespace Rbdfence.Boot.Tests;

/// <summary>
/// What must not break boot: a nofail volume whose cluster is unreachable, and a malformed
/// line; and what a volume without nofail does then: boot waits for it, and it mounts by
/// itself once the cluster can be reached.
/// </summary>
[Collection(BootCluster.Collection)]
public sealed class BootFailureTests(BootCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task An_unreachable_nofail_volume_and_a_malformed_line_leave_boot_and_the_other_volumes_alone()
    {
        // "Unreachable": a monitor address on the container's own loopback where nothing
        // listens; connecting is refused at once and never leaves the namespace.
        string unreachable = Path.Join(cluster.Shared, "unreachable.conf");
        File.WriteAllText(unreachable, $"""
            [global]
            mon host = 127.0.0.1:9
            auth client required = cephx
            [client]
            keyring = {cluster.Cluster.KeyringPath}

            """);
        string good = await cluster.CreateFormattedImageAsync("good");
        string table =
            "# good, unreachable (nofail), malformed\n" +
            cluster.TableLine(good, "/srv/good") +
            cluster.TableLine("rbd/faraway", "/srv/faraway", "nofail", unreachable) +
            "rbd/malformed /srv/malformed ext4\n";

        await using BootedHost host = await BootedHost.BootAsync(cluster, 3, table);

        // The good volume mounts and boot reaches its default target: the unreachable volume
        // is wanted, not required, and not ordered before remote-fs.target. Its unit waits for
        // the cluster as it would for the lock (its start job stays queued, so
        // is-system-running says "starting", as on a host waiting for a peer's volume).
        await host.WaitUntilActiveAsync("srv-good.mount", TimeSpan.FromSeconds(90), BootCluster.InstanceOf(good));
        await host.WaitForAsync("multi-user.target", TimeSpan.FromSeconds(80), ["systemctl", "is-active", "--quiet", "multi-user.target"]);
        Assert.Equal("active", await host.PropertyAsync("remote-fs.target", "ActiveState"));
        output.WriteLine($"is-system-running: {(await host.SystemctlAsync("is-system-running")).StdOut.Trim()}");

        // It keeps trying, unmounted, and its journal says why; it never failed.
        string faraway = BootCluster.InstanceOf("rbd/faraway");
        await host.WaitForAsync("a retry of the unreachable cluster", TimeSpan.FromSeconds(60),
            ["sh", "-c", $"journalctl -b -u '{faraway}' | grep -q 'the cluster is unreachable'"], faraway);
        Assert.Equal("activating", await host.PropertyAsync(faraway, "ActiveState"));
        Assert.NotEqual("active", await host.PropertyAsync("srv-faraway.mount", "ActiveState"));

        // The malformed line is in the journal, with its line number, and its unit failed.
        Assert.Equal("failed", await host.PropertyAsync("rbdfence-tab-errors.service", "ActiveState"));
        string errors = await host.JournalAsync("rbdfence-tab-errors.service");
        Assert.Contains("/etc/ceph/rbdfencetab:4: ", errors, StringComparison.Ordinal);
        Assert.Equal("not-found", await host.PropertyAsync("srv-malformed.mount", "LoadState"));
    }

    [Trait("Tier", "faults")]
    [Fact]
    public async Task Without_nofail_boot_waits_for_an_unreachable_cluster_and_the_volume_mounts_by_itself_once_it_is_reachable()
    {
        string required = await cluster.CreateFormattedImageAsync("required");
        string optional = await cluster.CreateFormattedImageAsync("optional");
        string requiredService = BootCluster.InstanceOf(required);
        string table = cluster.TableLine(required, "/srv/required") + cluster.TableLine(optional, "/srv/optional", "nofail");

        // The host boots with its only link down: the cluster cannot be reached at all.
        const int index = 3;
        await cluster.SetLinkAsync(index, up: false);
        try
        {
            await using BootedHost host = await BootedHost.BootAsync(cluster, index, table);

            // The volume's acquire --wait keeps trying to reach the cluster (each attempt bounded
            // by the connect timeout), the mount is not there, and boot does not get past
            // remote-fs.target; no attempt fails the unit.
            await host.WaitForAsync("two attempts to reach the cluster", TimeSpan.FromSeconds(90),
                ["sh", "-c", $"test $(journalctl -b -u '{requiredService}' | grep -c 'the cluster is unreachable') -ge 2"], requiredService);
            output.WriteLine((await host.SystemctlAsync("list-jobs", "--no-pager")).StdOut);
            output.WriteLine(await host.JournalAsync(requiredService, "srv-required.mount", "remote-fs.target"));
            Assert.NotEqual("active", await host.PropertyAsync("srv-required.mount", "ActiveState"));
            Assert.NotEqual("active", await host.PropertyAsync("srv-optional.mount", "ActiveState"));
            string remoteFs = await host.PropertyAsync("remote-fs.target", "ActiveState");
            Assert.True(remoteFs == "inactive" && (await host.SystemctlAsync("list-jobs", "--no-legend", "remote-fs.target")).StdOut.Contains("remote-fs.target", StringComparison.Ordinal),
                $"boot did not wait for the volume: remote-fs.target is {remoteFs}, with no start job waiting (the volume's first failed attempt failed it)");
            Assert.Equal("starting", (await host.SystemctlAsync("is-system-running")).StdOut.Trim());
            Assert.DoesNotContain("status=69/", await host.JournalAsync(requiredService), StringComparison.Ordinal);

            // The network comes back; nobody touches the host: both volumes mount, boot completes.
            long reachable = LockSampler.NowUs();
            await cluster.SetLinkAsync(index, up: true);
            await host.WaitUntilActiveAsync("srv-required.mount", TimeSpan.FromSeconds(60), requiredService);
            await host.WaitUntilActiveAsync("srv-optional.mount", TimeSpan.FromSeconds(60), BootCluster.InstanceOf(optional));
            await host.WaitUntilActiveAsync("remote-fs.target", TimeSpan.FromSeconds(30));
            double mountedAfter = (await host.MonotonicAsync("srv-required.mount", "ActiveEnterTimestampMonotonic") - reachable) / 1e6;
            output.WriteLine($"mounted {mountedAfter:0.0} s after the cluster became reachable");
            CommandResult running = await host.RunAsync("timeout", "30", "systemctl", "is-system-running", "--wait");
            string failedUnits = (await host.SystemctlAsync("list-units", "--failed", "--no-legend", "--plain", "--no-pager")).StdOut;
            output.WriteLine($"boot finished: {running.StdOut.Trim()}; failed units: {(failedUnits.Trim().Length == 0 ? "none" : failedUnits)}");
            // Boot completes; units of the container unrelated to the volumes may fail without a network at boot.
            Assert.Contains(running.StdOut.Trim(), (string[])["running", "degraded"]);
            Assert.DoesNotContain("rbdfence", failedUnits, StringComparison.Ordinal);
            Assert.DoesNotContain("srv-", failedUnits, StringComparison.Ordinal);
            Assert.DoesNotContain("remote-fs", failedUnits, StringComparison.Ordinal);
            (await host.RunAsync("sh", "-c", "echo ok > /srv/required/proof && sync")).EnsureSuccess();
        }
        finally
        {
            await cluster.SetLinkAsync(index, up: true);
        }
    }
}
