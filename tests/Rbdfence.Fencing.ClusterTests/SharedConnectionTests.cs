using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;
using Xunit.Abstractions;

namespace Rbdfence.Fencing.ClusterTests;

/// <summary>
/// Volumes held through the host's shared connection (<c>rbdfence daemon</c>, <c>hold
/// --connection shared</c>), fuse backend, each host its own network namespace: the ordered
/// stop, and that the failure of the shared part fails safe: when the daemon is killed,
/// frozen or fenced, every volume it served stops its data path, and none stays mapped.
/// </summary>
[Collection(MultiHostCluster.Collection)]
public sealed class SharedConnectionTests(MultiHostCluster cluster, ITestOutputHelper output)
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Shared_volumes_are_held_by_the_daemon_and_on_sigterm_unmapped_and_released()
    {
        TestHost host = cluster.Host(5);
        await using BackgroundProcess daemon = host.StartRbdfenceDaemon();
        await using SharedVolumes volumes = await SharedVolumes.HoldAsync(cluster, host, "shared", 3, interval: 1);

        // The locks are this host's, and the holder record names the daemon's client: one
        // client of this host's address watches every header, besides each rbd-fuse.
        var daemonClients = new HashSet<string>(StringComparer.Ordinal);
        foreach (string volume in volumes.Names)
        {
            Assert.Contains("host-5", (await cluster.Cluster.RbdAsync("lock", "ls", volume)).EnsureSuccess().StdOut, StringComparison.Ordinal);
            string status = (await cluster.Cluster.RbdAsync("status", volume)).EnsureSuccess().StdOut;
            daemonClients.UnionWith(status.Split('\n').Where(l => l.Contains("watcher=" + host.Address, StringComparison.Ordinal))
                .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]));
        }

        // Each volume: the daemon's client and its own rbd-fuse's; the daemon's is the same for all three.
        Assert.Equal(1 + volumes.Names.Count, daemonClients.Count);
        foreach (NotifyListener notify in volumes.Notifies)
        {
            await notify.WaitForAsync("WATCHDOG=1", TimeSpan.FromSeconds(10), occurrence: 2);
        }

        int[] codes = await volumes.StopAllAsync();
        Assert.All(codes, c => Assert.Equal(0, c));
        await volumes.AssertNothingMappedAsync();
        foreach (string volume in volumes.Names)
        {
            Assert.Equal("[]", (await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", volume)).EnsureSuccess().StdOut.Trim());
        }
    }

    [Fact]
    public async Task Killing_the_daemon_stops_every_volume_it_served_and_keeps_their_locks()
    {
        TestHost host = cluster.Host(5);
        BackgroundProcess daemon = host.StartRbdfenceDaemon();
        await using SharedVolumes volumes = await SharedVolumes.HoldAsync(cluster, host, "sharedkill", 3, interval: 1);
        await using (daemon)
        {
            await SignalAndExpectAllStoppedAsync(daemon, "KILL", volumes, TimeSpan.FromSeconds(10));
        }

        Assert.All(volumes.StdErrs, e => Assert.Contains("shared connection (rbdfence daemon) is gone", e, StringComparison.Ordinal));
        // The locks were not let go by the failure (nothing proved the volume unserved then):
        // the unit's ExecStopPost release does it, now that nothing of the volume is mapped.
        foreach (string volume in volumes.Names)
        {
            Assert.Contains("host-5", (await cluster.Cluster.RbdAsync("lock", "ls", volume)).EnsureSuccess().StdOut, StringComparison.Ordinal);
            (await host.RbdfenceAsync("release", volume)).EnsureSuccess();
        }
    }

    [Fact]
    public async Task A_frozen_daemon_stops_its_volumes_within_two_check_intervals()
    {
        TestHost host = cluster.Host(5);
        await using BackgroundProcess daemon = host.StartRbdfenceDaemon();
        await using SharedVolumes volumes = await SharedVolumes.HoldAsync(cluster, host, "sharedfrozen", 2, interval: 1);
        try
        {
            // Two intervals (1 s) and 2 s of slack, and some more for a loaded machine: well
            // inside the watch timeout plus the grace a peer waits.
            await SignalAndExpectAllStoppedAsync(daemon, "STOP", volumes, TimeSpan.FromSeconds(8));
        }
        finally
        {
            Signal("CONT", daemon.Pid);
        }

        foreach (string volume in volumes.Names)
        {
            (await host.RbdfenceAsync("release", volume)).EnsureSuccess();
        }
    }

    /// <summary>
    /// A daemon frozen between the unit's map and READY=1 (here inside the Debug-only pause
    /// before the proof of the lock): the unit process hears it fall silent and stops its
    /// data path, rather than stay starting, its device mapped, for as long as the daemon
    /// sleeps. Before the fix it waited for READY=1 with no limit.
    /// </summary>
    [Fact]
    public async Task A_daemon_frozen_before_ready_stops_the_volume_it_was_mapping()
    {
        TestHost host = cluster.Host(5);
        string volume = await cluster.CreateImageAsync("sharedfrozenstart");
        string image = volume["rbd/".Length..];
        await using BackgroundProcess daemon = host.StartRbdfenceDaemon("RBDFENCE_FAULT=pause-before-proof");
        (await RetryWhileStartingAsync(() => host.RbdfenceAsync("acquire", volume, "--connection", "shared"))).EnsureSuccess();
        using var notify = new NotifyListener();
        await using BackgroundProcess hold = host.StartRbdfenceWith(["NOTIFY_SOCKET=" + notify.Path], "hold", volume, "--backend", "fuse", "--interval", "1", "--connection", "shared");
        try
        {
            await daemon.WaitForStdErrAsync("pausing 5 s before the proof", Start);
            Signal("STOP", daemon.Pid);
            var clock = Stopwatch.StartNew();
            Assert.Contains(image, (await LocalRun("losetup", "-a")).StdOut, StringComparison.Ordinal); // mapped, not ready

            (int code, _, string stderr) = await hold.WaitAsync(TimeSpan.FromSeconds(60));
            output.WriteLine($"the unit process exited {code} {clock.ElapsedMilliseconds} ms after the daemon froze");
            Assert.True(code == 1, $"the hold exited {code}: {stderr}");
            Assert.Contains("is gone or not answering", stderr, StringComparison.Ordinal);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(35), $"the hold took {clock.Elapsed} to stop");
            Assert.DoesNotContain(notify.Messages(), m => m.Contains("READY=1", StringComparison.Ordinal)); // the limit before READY=1 did it
            Assert.DoesNotContain(image, (await LocalRun("losetup", "-a")).StdOut, StringComparison.Ordinal);
            Assert.DoesNotContain(image, (await LocalRun("ps", "-eo", "args")).StdOut, StringComparison.Ordinal);
        }
        finally
        {
            Signal("CONT", daemon.Pid);
        }

        // Awake again, the daemon finishes the start for nobody (its lease written), then
        // stops guarding the volume; its log goes to stdout.
        await daemon.WaitForOutputAsync((log, _) => log.Contains("went away without a stop", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the daemon's abandonment");
        (await host.RbdfenceAsync("release", volume)).EnsureSuccess(); // the unit's ExecStopPost
        Assert.Equal("[]", (await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", volume)).EnsureSuccess().StdOut.Trim());
    }

    [Fact]
    public async Task A_fenced_daemon_stops_every_volume_with_78_and_serves_again_on_a_new_connection()
    {
        TestHost victim = cluster.Host(4);
        await using BackgroundProcess daemon = victim.StartRbdfenceDaemon();
        await using SharedVolumes volumes = await SharedVolumes.HoldAsync(cluster, victim, "sharedfenced", 2, interval: 1);
        (await cluster.Cluster.CephAsync("osd", "blocklist", "add", victim.WholeHostEntry, "600")).EnsureSuccess();
        try
        {
            int[] codes = await volumes.WaitAllAsync(TimeSpan.FromSeconds(30));
            Assert.All(codes, c => Assert.Equal(78, c));
            await volumes.AssertNothingMappedAsync();
        }
        finally
        {
            await cluster.Cluster.CephAsync("osd", "blocklist", "rm", victim.WholeHostEntry);
        }

        // The fenced connection is dropped: the same daemon holds a new volume on a new one.
        string fresh = await cluster.CreateImageAsync("sharedafter");
        (await victim.RbdfenceAsync("acquire", fresh)).EnsureSuccess();
        using var notify = new NotifyListener();
        await using BackgroundProcess holder = victim.StartRbdfenceWith(["NOTIFY_SOCKET=" + notify.Path],
            "hold", fresh, "--backend", "fuse", "--interval", "1", "--connection", "shared");
        await notify.WaitForAsync("READY=1", Start);
        holder.Terminate();
        (int code, _, string stderr) = await holder.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"holder exited {code}: {stderr}");

        // The old volumes' locks were broken by nobody: this host releases them now.
        foreach (string volume in volumes.Names)
        {
            await victim.RbdfenceAsync("release", volume);
        }
    }

    [Fact]
    public async Task Without_the_daemon_a_shared_hold_fails_69_and_takes_nothing()
    {
        TestHost host = cluster.Host(5);
        string volume = await cluster.CreateImageAsync("sharednodaemon");
        (await host.RbdfenceAsync("acquire", volume)).EnsureSuccess();
        CommandResult held = await host.RbdfenceAsync("hold", volume, "--backend", "fuse", "--connection", "shared");
        Assert.Equal(69, held.ExitCode);
        Assert.Contains("rbdfenced.service", held.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain(volume["rbd/".Length..], (await LocalRun("losetup", "-a")).StdOut, StringComparison.Ordinal);
        (await host.RbdfenceAsync("release", volume)).EnsureSuccess();
    }

    [Fact]
    public async Task A_shared_acquire_locks_over_the_daemons_one_client_waits_for_a_release_and_a_withdrawn_wait_takes_nothing()
    {
        TestHost host = cluster.Host(5), peer = cluster.Host(3);
        await using BackgroundProcess daemon = host.StartRbdfenceDaemon();
        await using BackgroundProcess peerDaemon = peer.StartRbdfenceDaemon();
        string first = await cluster.CreateImageAsync("sharedacq"), second = await cluster.CreateImageAsync("sharedacq");

        // Both locks are taken by the daemon's one client (an acquire of its own connects a new
        // client each time), and the daemon saved the lease: a second acquire is "already".
        CommandResult took = await RetryWhileStartingAsync(() => host.RbdfenceAsync("acquire", first, "--connection", "shared", "--wait", "30"));
        Assert.Contains($"{first}: locked by this host (host-5)", took.EnsureSuccess().StdOut, StringComparison.Ordinal);
        JsonElement json = JsonResult.Parse((await host.RbdfenceAsync("acquire", second, "--connection", "shared", "--json")).EnsureSuccess().StdOut);
        Assert.Equal("acquired", json.Text("result"));
        Assert.Equal(json.Text("cookie"), (await LockerAsync(second)).Cookie);
        Assert.Equal((await LockerAsync(first)).Client, (await LockerAsync(second)).Client);
        Assert.Contains("already locked by this host", (await host.RbdfenceAsync("acquire", first, "--connection", "shared")).EnsureSuccess().StdOut, StringComparison.Ordinal);

        // Another host, through its own daemon: contended without --wait (75), waiting with
        // it (its status says for whom), holding once the lock is let go; its last status
        // then says so, not that it still waits (`systemctl status` shows it until READY=1).
        CommandResult busy = await RetryWhileStartingAsync(() => peer.RbdfenceAsync("acquire", first, "--connection", "shared"));
        Assert.Equal(75, busy.ExitCode);
        Assert.Contains("is held by host-5", busy.StdErr, StringComparison.Ordinal);
        using (var notify = new NotifyListener())
        await using (BackgroundProcess waiter = peer.StartRbdfenceWith(["NOTIFY_SOCKET=" + notify.Path], "acquire", first, "--connection", "shared", "--wait", "60"))
        {
            await waiter.WaitForStdErrAsync("held by host-5", TimeSpan.FromSeconds(30));
            var clock = Stopwatch.StartNew();
            (await host.RbdfenceAsync("release", first)).EnsureSuccess();
            (int code, string stdout, string stderr) = await waiter.WaitAsync(TimeSpan.FromSeconds(30));
            output.WriteLine($"the waiter through host-3's daemon held {clock.ElapsedMilliseconds} ms after host-5's release began");
            Assert.True(code == 0, stderr);
            Assert.Contains($"{first}: locked by this host (host-3)", stdout, StringComparison.Ordinal);
            await notify.WaitForStatusAsync("lock taken; mapping", TimeSpan.FromSeconds(5));
            Assert.StartsWith("STATUS=waiting since ", notify.Messages()[0], StringComparison.Ordinal);
            Assert.Equal("STATUS=lock taken; mapping", notify.Messages()[^1]);
        }

        // A wait withdrawn (systemd stopping a unit still in ExecStartPre) takes nothing later:
        // once host-3 lets go, the volume stays unlocked.
        await using (BackgroundProcess withdrawn = host.StartRbdfence("acquire", first, "--connection", "shared", "--wait", "60"))
        {
            await withdrawn.WaitForStdErrAsync("held by host-3", TimeSpan.FromSeconds(30));
            withdrawn.Terminate();
            (int code, _, string stderr) = await withdrawn.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(1, code);
            Assert.Contains("stopped by a signal", stderr, StringComparison.Ordinal);
        }

        (await peer.RbdfenceAsync("release", first)).EnsureSuccess();
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal("[]", (await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", first)).EnsureSuccess().StdOut.Trim());
        (await host.RbdfenceAsync("release", second)).EnsureSuccess();
        Assert.Equal("[]", (await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", second)).EnsureSuccess().StdOut.Trim());
    }

    [Fact]
    public async Task Without_the_daemon_a_shared_acquire_fails_69_and_takes_nothing()
    {
        TestHost host = cluster.Host(5);
        string volume = await cluster.CreateImageAsync("sharedacqnodaemon");
        CommandResult acquired = await host.RbdfenceAsync("acquire", volume, "--connection", "shared");
        Assert.Equal(69, acquired.ExitCode);
        Assert.Contains("rbdfenced.service", acquired.StdErr, StringComparison.Ordinal);
        Assert.Equal("[]", (await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", volume)).EnsureSuccess().StdOut.Trim());
    }

    /// <summary>
    /// A unit stopped while its daemon is taking the lock (here: in the middle of fencing a
    /// stale holder, widened by a Debug-only pause between blocklist and break) withdraws its
    /// request; the take itself runs to its end. The daemon must then let that lock go: the
    /// unit's ExecStopPost may have looked for a lease before there was one, and a lock kept
    /// for nobody would get this whole host fenced by the next peer that waits. Before the
    /// fix the daemon kept it.
    /// </summary>
    [Fact]
    public async Task A_lock_the_daemon_takes_after_the_unit_withdrew_is_let_go()
    {
        TestHost host = cluster.Host(5), stale = cluster.Host(6);
        string volume = await cluster.CreateImageAsync("sharedwithdrawn"), probe = await cluster.CreateImageAsync("sharedwithdrawn");
        (await stale.RbdfenceAsync("acquire", volume)).EnsureSuccess(); // then nobody watches it
        await using BackgroundProcess daemon = host.StartRbdfenceDaemon("RBDFENCE_FAULT=pause-before-break");
        (await RetryWhileStartingAsync(() => host.RbdfenceAsync("acquire", probe, "--connection", "shared"))).EnsureSuccess();
        (await host.RbdfenceAsync("release", probe)).EnsureSuccess();
        try
        {
            await using (BackgroundProcess waiting = host.StartRbdfence("acquire", volume, "--connection", "shared", "--wait", "120", "--grace", "3"))
            {
                await daemon.WaitForStdErrAsync("pausing 5 s before the break", TimeSpan.FromSeconds(60));
                waiting.Terminate();
                (int code, _, string stderr) = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
                Assert.True(code == 1, $"the stopped acquire exited {code}: {stderr}");
            }

            // The pause ends, the daemon breaks the stale lock and takes it for a unit that is gone.
            var clock = Stopwatch.StartNew();
            string locks;
            while ((locks = (await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", volume)).EnsureSuccess().StdOut.Trim()) != "[]")
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"still locked {clock.Elapsed} after the unit withdrew: {locks}");
                await Task.Delay(200);
            }

            output.WriteLine($"unlocked {clock.ElapsedMilliseconds} ms after the withdrawn acquire exited");
        }
        finally
        {
            // The stale host serves other tests: whatever this one blocklisted goes.
            string left = (await cluster.Cluster.CephAsync("osd", "blocklist", "ls")).StdOut;
            foreach (string entry in left.Split('\n').Select(l => l.Split(' ')[0]).Where(e => e.StartsWith(stale.Address + ":", StringComparison.Ordinal)))
            {
                await cluster.Cluster.CephAsync("osd", "blocklist", "rm", entry);
            }

            await stale.RbdfenceAsync("release", volume);
        }
    }

    /// <summary>
    /// The shared daemon serves a hold its unit may already have given up: the unit stopped,
    /// its ExecStopPost released the lock, and only then does the daemon reach the hold. A
    /// hold that took the free lock again kept it with no lease (the release had run), for
    /// nobody, and should its map fail the next waiting peer would fence this whole host.
    /// Before the fix the hold here took the lock and served the volume.
    /// </summary>
    [Fact]
    public async Task A_shared_hold_never_takes_a_lock_let_go_since_the_acquire()
    {
        TestHost host = cluster.Host(5);
        string volume = await cluster.CreateImageAsync("sharedletgo");
        await using BackgroundProcess daemon = host.StartRbdfenceDaemon();
        (await RetryWhileStartingAsync(() => host.RbdfenceAsync("acquire", volume, "--connection", "shared"))).EnsureSuccess();
        (await host.RbdfenceAsync("release", volume)).EnsureSuccess(); // the unit's ExecStopPost

        await using BackgroundProcess hold = host.StartRbdfence("hold", volume, "--backend", "fuse", "--connection", "shared");
        (int code, _, string stderr) = await hold.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(code == 1, $"the hold exited {code}: {stderr}");
        Assert.Contains("the lock was let go between the acquire and the hold", stderr, StringComparison.Ordinal);
        Assert.Equal("[]", (await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", volume)).EnsureSuccess().StdOut.Trim());
        Assert.DoesNotContain(volume["rbd/".Length..], (await LocalRun("losetup", "-a")).StdOut, StringComparison.Ordinal);

        // The unit's restart acquires again and holds as usual.
        (await host.RbdfenceAsync("acquire", volume, "--connection", "shared")).EnsureSuccess();
        using var notify = new NotifyListener();
        await using (BackgroundProcess again = host.StartRbdfenceWith(["NOTIFY_SOCKET=" + notify.Path], "hold", volume, "--backend", "fuse", "--connection", "shared"))
        {
            await notify.WaitForAsync("READY=1", Start);
            again.Terminate();
            (int stopped, _, string stopErr) = await again.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(stopped == 0, $"the hold exited {stopped}: {stopErr}");
        }

        Assert.Equal("[]", (await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", volume)).EnsureSuccess().StdOut.Trim());
    }

    /// <summary>The lock's one locker (client and cookie), as Ceph lists it.</summary>
    private async Task<(string Client, string Cookie)> LockerAsync(string volume)
    {
        using JsonDocument locks = JsonDocument.Parse((await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", volume)).EnsureSuccess().StdOut);
        JsonElement locker = Assert.Single(locks.RootElement.EnumerateArray());
        return (locker.GetProperty("locker").GetString()!, locker.GetProperty("id").GetString()!);
    }

    /// <summary>A daemon just started may not listen yet: its socket is tried again for a few seconds (69 meanwhile).</summary>
    private static async Task<CommandResult> RetryWhileStartingAsync(Func<Task<CommandResult>> run)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            CommandResult result = await run();
            if (result.ExitCode != 69 || clock.Elapsed > TimeSpan.FromSeconds(20))
            {
                return result;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Signals the daemon and expects every volume it served to stop its data path and exit 1
    /// within <paramref name="limit"/>, leaving nothing mapped.
    /// </summary>
    private async Task SignalAndExpectAllStoppedAsync(BackgroundProcess daemon, string signal, SharedVolumes volumes, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        Signal(signal, daemon.Pid);
        int[] codes = await volumes.WaitAllAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"every volume stopped {clock.ElapsedMilliseconds} ms after SIGSTOP/SIGKILL ({signal}) of the daemon: exit codes {string.Join(' ', codes)}");
        Assert.All(codes, c => Assert.Equal(1, c));
        Assert.True(clock.Elapsed < limit, $"volumes ran on {clock.Elapsed} after SIG{signal} of their guard");
        await volumes.AssertNothingMappedAsync();
    }

    private static void Signal(string signal, int pid) =>
        Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();

    private static async Task<(int ExitCode, string StdOut)> LocalRun(string tool, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string stdout = await process.StandardOutput.ReadToEndAsync();
        await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, stdout);
    }

    /// <summary>N volumes acquired and held through the daemon of one host, each with its own notify socket.</summary>
    private sealed class SharedVolumes : IAsyncDisposable
    {
        private readonly List<BackgroundProcess> _holders = [];
        private readonly List<(int Code, string StdErr)> _ended = [];

        public List<string> Names { get; } = [];

        public List<NotifyListener> Notifies { get; } = [];

        public IEnumerable<string> StdErrs => _ended.Select(e => e.StdErr);

        public static async Task<SharedVolumes> HoldAsync(MultiHostCluster cluster, TestHost host, string prefix, int count, int interval)
        {
            var volumes = new SharedVolumes();
            for (int i = 0; i < count; i++)
            {
                string volume = await cluster.CreateImageAsync(prefix);
                (await host.RbdfenceAsync("acquire", volume)).EnsureSuccess();
                var notify = new NotifyListener();
                volumes.Names.Add(volume);
                volumes.Notifies.Add(notify);
                volumes._holders.Add(host.StartRbdfenceWith(["NOTIFY_SOCKET=" + notify.Path],
                    "hold", volume, "--backend", "fuse", "--interval", interval.ToString(CultureInfo.InvariantCulture), "--connection", "shared"));
            }

            for (int i = 0; i < count; i++)
            {
                try
                {
                    await volumes.Notifies[i].WaitForAsync("READY=1", Start);
                }
                catch (TimeoutException)
                {
                    (string _, string stderr) = volumes._holders[i].OutputSoFar;
                    throw new TimeoutException($"{volumes.Names[i]} never became ready: {stderr}");
                }
            }

            return volumes;
        }

        public async Task<int[]> StopAllAsync()
        {
            foreach (BackgroundProcess holder in _holders)
            {
                holder.Terminate();
            }

            return await WaitAllAsync(TimeSpan.FromSeconds(60));
        }

        public async Task<int[]> WaitAllAsync(TimeSpan timeout)
        {
            _ended.Clear();
            foreach (BackgroundProcess holder in _holders)
            {
                (int code, _, string stderr) = await holder.WaitAsync(timeout);
                _ended.Add((code, stderr));
            }

            return [.. _ended.Select(e => e.Code)];
        }

        public async Task AssertNothingMappedAsync()
        {
            string loops = (await LocalRun("losetup", "-a")).StdOut, processes = (await LocalRun("ps", "-eo", "args")).StdOut;
            foreach (string volume in Names)
            {
                string image = volume["rbd/".Length..];
                Assert.DoesNotContain(image, loops, StringComparison.Ordinal);
                Assert.DoesNotContain("rbd-fuse", processes.Split('\n').Where(p => p.Contains(image, StringComparison.Ordinal)).FirstOrDefault() ?? string.Empty, StringComparison.Ordinal);
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (BackgroundProcess holder in _holders)
            {
                await holder.DisposeAsync();
            }

            foreach (NotifyListener notify in Notifies)
            {
                notify.Dispose();
            }
        }
    }
}
