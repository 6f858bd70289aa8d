using System;
using System.Diagnostics;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;
using Xunit.Abstractions;

namespace Rbdfence.Boot.Tests;

/// <summary>
/// A holder that cannot let go cleanly, under systemd: killed while a writer is busy in the
/// mount, and stopped while the mount is busy. The lock must stay while this host can still
/// write through the device, and nothing acknowledged may be lost.
/// </summary>
[Collection(BootCluster.Collection)]
public sealed partial class StopFaultTests(BootCluster cluster, ITestOutputHelper output)
{
    [Trait("Tier", "faults")]
    [Fact]
    public async Task A_holder_killed_with_a_busy_writer_keeps_the_lock_and_the_waiter_never_mounts_over_a_live_device()
    {
        var clock = Stopwatch.StartNew();
        string volume = await cluster.CreateFormattedImageAsync("kill");
        string service = BootCluster.InstanceOf(volume);
        string line = Scenario.Line(cluster, volume);
        await using BootedHost a = await BootedHost.BootAsync(cluster, 1, line);
        await a.WaitUntilActiveAsync(Scenario.MountUnit, Scenario.BootTimeout, service);
        await using BootedHost b = await BootedHost.BootAsync(cluster, 2, line);
        try
        {
            await Scenario.WaitUntilWaitingAsync(b, service, TimeSpan.FromSeconds(60));
            Writer writer = await Writer.StartAsync(a, Scenario.MountPoint, "a");
            await writer.WaitForAcksAsync(20, TimeSpan.FromSeconds(30));
            string? record = await cluster.HolderRecordAsync(volume);
            output.WriteLine($"holder record before the kill: {record ?? "(none)"}");

            await using LockSampler ceph = LockSampler.Start(cluster, volume);
            long killedAt = LockSampler.NowUs();
            (await a.SystemctlAsync("kill", "--signal=KILL", "--kill-whom=main", service)).EnsureSuccess();

            // While the writer keeps the mount busy, A's file system is mounted and its
            // device there: A must not let go of the lock. B may only ever get the volume
            // by fencing A (after A went silent for the whole grace), never at once.
            TimeSpan observe = Scenario.StaleAfter + TimeSpan.FromSeconds(5);
            await Task.Delay(observe);
            string journalA = await a.JournalAsync(service);
            output.WriteLine($"A's journal after the kill:\n{journalA}");
            Assert.True(journalA.Contains("status=74", StringComparison.Ordinal),
                "A's rbdfence release did not keep the lock (no exit 74 in its unit's journal) although its file system was still mounted and busy");
            Assert.Matches(KeptLine(), journalA);

            // Ceph's view: the lock stayed A's, or went to B no sooner than the grace after the
            // kill, and then only because B fenced A's recorded clients.
            if (!await TookOverByFencingAsync(ceph, b, killedAt, "the kill", record, 1))
            {
                Assert.Equal(a.HostName, Assert.Single(await LockSampler.LockersAsync(cluster, volume)).Host);
            }

            await Scenario.AssertNoWriteAfterMountAsync(writer, b);

            // The busy process ends. A's unit recovers (it holds and mounts again) or says why
            // not; B mounts once A's device is gone.
            await writer.StopAsync();
            bool recovered = false;
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(45))
            {
                if (await Scenario.IsActiveAsync(b, Scenario.MountUnit))
                {
                    break;
                }

                if (await Scenario.IsActiveAsync(a, service) && await Scenario.IsActiveAsync(a, Scenario.MountUnit) &&
                    (await a.RunAsync("sh", "-c", $"echo recovered >> {Scenario.MountPoint}/after && sync")).Succeeded)
                {
                    recovered = true;
                    break;
                }

                await Task.Delay(500);
            }

            output.WriteLine($"after the writer ended: A {(recovered ? "recovered (holds, mounted, writable)" : "did not recover")}; " +
                $"A's unit {await a.PropertyAsync(service, "ActiveState")}/{await a.PropertyAsync(service, "SubState")}, status: {await a.PropertyAsync(service, "StatusText")}");
            if (!recovered && !await Scenario.IsActiveAsync(b, Scenario.MountUnit))
            {
                Assert.Fail($"45 s after the busy writer ended, A has not recovered and B has not mounted; A's journal:\n{await a.JournalAsync(service, Scenario.MountUnit)}\n" +
                    $"B's journal:\n{await b.JournalAsync(service, Scenario.MountUnit)}");
            }

            // A hands over cleanly; B mounts and finds every record A's writer was told was safe.
            (await a.SystemctlAsync("stop", service)).EnsureSuccess();
            await b.WaitUntilActiveAsync(Scenario.MountUnit, TimeSpan.FromSeconds(30), service);
            await Scenario.AssertNoWriteAfterMountAsync(writer, b);
            int verified = await writer.VerifyAsync(b, Scenario.MountPoint);
            Scenario.AssertSamples(ceph, a.HostName, b.HostName);
            output.WriteLine($"{verified} acknowledged records verified on B; {ceph.Samples.Count} lock samples; scenario {clock.Elapsed.TotalSeconds:0} s");
        }
        finally
        {
            await cluster.ClearBlocklistAsync();
        }
    }

    [Trait("Tier", "faults")]
    [Fact]
    public async Task Stopping_a_volume_whose_mount_is_busy_keeps_the_lock_until_its_device_is_dead_and_fenced()
    {
        var clock = Stopwatch.StartNew();
        string volume = await cluster.CreateFormattedImageAsync("busy");
        string service = BootCluster.InstanceOf(volume);
        string line = Scenario.Line(cluster, volume);
        await using BootedHost a = await BootedHost.BootAsync(cluster, 3, line);
        await a.WaitUntilActiveAsync(Scenario.MountUnit, Scenario.BootTimeout, service);
        await using BootedHost b = await BootedHost.BootAsync(cluster, 4, line);
        try
        {
            await Scenario.WaitUntilWaitingAsync(b, service, TimeSpan.FromSeconds(60));
            Writer writer = await Writer.StartAsync(a, Scenario.MountPoint, "a");
            await writer.WaitForAcksAsync(20, TimeSpan.FromSeconds(30));
            string? record = await cluster.HolderRecordAsync(volume);
            await using LockSampler ceph = LockSampler.Start(cluster, volume);

            // The operator stops the volume while an application still has it open: the
            // unmount fails, so the lock must stay, and the unit must say so.
            long stoppedAt = LockSampler.NowUs();
            CommandResult stop = await a.SystemctlAsync("stop", service);
            output.WriteLine($"systemctl stop: {stop}");
            output.WriteLine($"after the stop: {(await a.RunAsync("findmnt", Scenario.MountPoint)).StdOut}\n{(await a.SystemctlAsync("status", "--no-pager", Scenario.MountUnit, service)).StdOut}");
            output.WriteLine((await a.RunAsync("losetup", "-l")).StdOut);
            output.WriteLine(await a.JournalAsync(Scenario.MountUnit));
            Assert.True(await Scenario.IsMountedAsync(a), "the busy file system was unmounted after all; the scenario needs it busy");
            string journalA = await a.JournalAsync(service);
            output.WriteLine($"A's journal after the stop:\n{journalA}");
            Assert.True(journalA.Contains("status=74", StringComparison.Ordinal),
                "A's rbdfence release did not keep the lock (no exit 74 in its unit's journal) although its file system was still mounted and busy");
            Assert.Matches(KeptLine(), journalA);

            // The unit's stop went on after ExecStopPost: systemd killed what was left in its
            // cgroup, rbd-fuse included, so A's busy file system sits on a dead device (its
            // writer's next fsync fails). B may get the volume only by fencing A's recorded
            // clients once they were silent for the whole grace, never at once.
            await Task.Delay(Scenario.StaleAfter + TimeSpan.FromSeconds(5));
            if (await TookOverByFencingAsync(ceph, b, stoppedAt, "A's stop", record, 3))
            {
                await b.WaitUntilActiveAsync(Scenario.MountUnit, TimeSpan.FromSeconds(30), service);
                await writer.StopAsync();
            }
            else
            {
                Assert.Equal(a.HostName, Assert.Single(await LockSampler.LockersAsync(cluster, volume)).Host);
                Assert.False(await Scenario.IsActiveAsync(b, Scenario.MountUnit), "B mounted without holding the lock");

                // The application ends; A's unit is started and stopped again: A's volume comes
                // back, then is released, and B mounts it with everything A acknowledged.
                await writer.StopAsync();
                (await a.SystemctlAsync("restart", service)).EnsureSuccess();
                await a.WaitUntilActiveAsync(Scenario.MountUnit, TimeSpan.FromSeconds(30), service);
                (await a.SystemctlAsync("stop", service)).EnsureSuccess();
                await b.WaitUntilActiveAsync(Scenario.MountUnit, TimeSpan.FromSeconds(30), service);
            }

            await Scenario.AssertNoWriteAfterMountAsync(writer, b);
            int verified = await writer.VerifyAsync(b, Scenario.MountPoint);
            Scenario.AssertSamples(ceph, a.HostName, b.HostName);
            output.WriteLine($"{verified} acknowledged records verified on B; {ceph.Samples.Count} lock samples; scenario {clock.Elapsed.TotalSeconds:0} s");
        }
        finally
        {
            await cluster.ClearBlocklistAsync();
        }
    }

    /// <summary>
    /// Whether B took the lock after <paramref name="faultAt"/>; if it did, no sooner than the
    /// grace and only by fencing A's recorded clients (A's file system still mounted and busy,
    /// its rbd-fuse killed by systemd with the rest of the unit).
    /// </summary>
    private async Task<bool> TookOverByFencingAsync(LockSampler ceph, BootedHost b, long faultAt, string fault, string? record, int hostA)
    {
        long? bLockedAt = ceph.Samples.Where(s => s.Lockers.Any(l => l.Host == b.HostName)).Select(s => (long?)s.AtUs).FirstOrDefault();
        if (bLockedAt is not { } lockedAt)
        {
            return false;
        }

        double after = (lockedAt - faultAt) / 1e6;
        output.WriteLine($"B took the lock {after:0.0} s after {fault}");
        Assert.True(after >= Scenario.Grace,
            $"B took the lock {after:0.0} s after {fault}: A let go of it while its device was still mounted (the grace is {Scenario.Grace} s)");
        await AssertFencedExactlyAsync(record, hostA);
        return true;
    }

    /// <summary>
    /// If B got the volume by fencing A: A's recorded I/O clients are blocklisted, and (the
    /// record naming them) not A's whole address.
    /// </summary>
    private async Task AssertFencedExactlyAsync(string? record, int hostA)
    {
        string blocklist = await cluster.BlocklistAsync();
        output.WriteLine($"blocklist:\n{blocklist}");
        Assert.True(record is not null, "B fenced A, but A had written no holder record (rbd image-meta rbdfence.holder)");
        string[] clients = [.. Address().Matches(record).Select(m => m.Value).Where(a => !a.EndsWith(":0/0", StringComparison.Ordinal)).Distinct()];
        Assert.NotEmpty(clients);
        foreach (string client in clients)
        {
            Assert.Contains(client, blocklist, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(cluster.HostAddress(hostA) + ":0/0", blocklist, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\d+\.\d+\.\d+\.\d+:\d+/\d+")]
    private static partial Regex Address();

    // rbdfence release's one line when it keeps the lock: it names the reason (still mapped, mounted, in use).
    [GeneratedRegex(@"not releas\w* the lock|(keep|kept)[^\n]*lock|lock[^\n]*(kept|keep|stays)", RegexOptions.IgnoreCase)]
    private static partial Regex KeptLine();
}
