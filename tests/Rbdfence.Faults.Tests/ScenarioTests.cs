using System;
using System.Diagnostics;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;
using Xunit.Abstractions;

namespace Rbdfence.Faults.Tests;

/// <summary>
/// Faults injected into hosts that are network namespaces, while a writer appends fsynced
/// records to the fenced file system; a second host takes over (as its unit would:
/// <c>acquire --wait</c>, then <c>hold --backend fuse</c>); the oracle then checks the image.
/// Watch timeout 5 s, grace 3 s, guard interval 1 s.
/// </summary>
[Collection(FaultCluster.Collection)]
public sealed class ScenarioTests(FaultCluster cluster, ITestOutputHelper output)
{
    private static readonly TimeSpan WatchAndGrace = TimeSpan.FromSeconds(FaultCluster.WatchTimeoutSeconds + FaultCluster.GraceSeconds);

    [Fact]
    public async Task Holder_sigkilled_while_writing_then_its_unit_stopped()
    {
        await using FaultRound round = await FaultRound.StartAsync(cluster, output, "holder-sigkill");
        FaultHost a = cluster.Host(1), b = cluster.Host(2);
        Session first = await round.StartSessionAsync(a, mkfs: true);
        BackgroundProcess waiter = round.StartWaiter(b);
        await Task.Delay(1000);

        // Only the holder dies: its rbd-fuse still serves the device, so the host still writes
        // and must not be taken over.
        first.Holder.Signal("KILL");
        round.Faults++;
        int acks = first.Acks;
        await Task.Delay(WatchAndGrace + TimeSpan.FromSeconds(2));
        Assert.False(waiter.HasExited, "the peer took over while the killed holder's data path still served the volume");
        Assert.True(first.Acks > acks, "the writer stopped although its data path lives");

        // systemd then kills the rest of the unit's cgroup and runs ExecStopPost=rbdfence release.
        foreach (int pid in round.RbdFuseOn(a))
        {
            Local.Kill("KILL", pid);
        }

        round.Faults++;
        CommandResult release = await a.RbdfenceAsync("release", round.Volume);
        round.Log($"ExecStopPost release on {a.Name}: exit {release.ExitCode}: {release.StdErr.Trim()}");
        Assert.True(release.ExitCode == 74, $"release let go although the loop device and the mount remain (contract 3): {release}");

        JsonElement taken = await round.TakeOverAsync(waiter, a, TimeSpan.FromSeconds(60));
        Assert.Equal("acquired", taken.GetProperty("result").GetString());
        Assert.NotEqual(JsonValueKind.Null, taken.GetProperty("fenced").ValueKind);
        Session second = await round.StartSessionAsync(b, mkfs: false, acquired: true);
        await Task.Delay(2000);
        await round.StopSessionAsync(second);
        Assert.Empty((await round.JudgeAsync()).Violations);
    }

    [Fact]
    public async Task Holder_and_writer_frozen_past_the_grace_then_resumed()
    {
        await using FaultRound round = await FaultRound.StartAsync(cluster, output, "frozen");
        FaultHost a = cluster.Host(1), b = cluster.Host(2);
        Session first = await round.StartSessionAsync(a, mkfs: true);
        BackgroundProcess waiter = round.StartWaiter(b);
        await Task.Delay(1000);

        var clock = Stopwatch.StartNew();
        round.Freeze([first.Holder.Pid, first.Writer.Pid, .. round.RbdFuseOn(a)]);
        round.Faults++;
        JsonElement taken = await round.TakeOverAsync(waiter, a, TimeSpan.FromSeconds(60));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(FaultCluster.GraceSeconds), $"taken over {clock.Elapsed} after the freeze: within the grace");
        Assert.NotEqual(JsonValueKind.Null, taken.GetProperty("fenced").ValueKind);
        Session second = await round.StartSessionAsync(b, mkfs: false, acquired: true);

        round.Thaw(); // the zombie wakes up: its writes must fail and its holder exit 78
        await round.ExpectFencedAsync(first, TimeSpan.FromSeconds(30));
        await Task.Delay(1000);
        await round.StopSessionAsync(second);
        Assert.Empty((await round.JudgeAsync()).Violations);
    }

    [Fact]
    public async Task Holder_host_partitioned_then_healed()
    {
        await using FaultRound round = await FaultRound.StartAsync(cluster, output, "partition");
        FaultHost a = cluster.Host(3), b = cluster.Host(2);
        Session first = await round.StartSessionAsync(a, mkfs: true);
        BackgroundProcess waiter = round.StartWaiter(b);
        await Task.Delay(1000);

        await round.UnplugAsync(a);
        round.Faults++;
        JsonElement taken = await round.TakeOverAsync(waiter, a, TimeSpan.FromSeconds(60));
        Assert.NotEqual(JsonValueKind.Null, taken.GetProperty("fenced").ValueKind);
        Session second = await round.StartSessionAsync(b, mkfs: false, acquired: true);
        await Task.Delay(1000);

        await round.PlugAsync(a);
        await round.ExpectFencedAsync(first, TimeSpan.FromSeconds(60));
        await Task.Delay(1000);
        await round.StopSessionAsync(second);
        Assert.Empty((await round.JudgeAsync()).Violations);
    }

    [Theory]
    [InlineData("osd", 2.0)]
    [InlineData("mon", 3.0)]
    public async Task Daemon_restarted_while_one_host_holds_and_another_waits(string daemon, double downSeconds)
    {
        await using FaultRound round = await FaultRound.StartAsync(cluster, output, $"{daemon}-restart");
        FaultHost a = cluster.Host(1), b = cluster.Host(2);
        Session first = await round.StartSessionAsync(a, mkfs: true);
        BackgroundProcess waiter = round.StartWaiter(b);
        await Task.Delay(1000);

        int before = first.Acks;
        await cluster.RestartAsync(daemon, downSeconds);
        round.Faults++;
        round.Log($"{daemon} restarted");
        await FaultRound.WaitUntilAsync(() => first.Acks > before + 20, TimeSpan.FromSeconds(60), "the holder's writer to write again");
        await Task.Delay(WatchAndGrace);
        Assert.False(first.Holder.HasExited, $"the holder gave up across a {daemon} restart");
        Assert.False(waiter.HasExited, $"the waiting host took over a live holder across a {daemon} restart");

        await round.StopSessionAsync(first);
        JsonElement taken = await round.TakeOverAsync(waiter, a, TimeSpan.FromSeconds(30));
        Assert.Equal(JsonValueKind.Null, taken.GetProperty("fenced").ValueKind);
        Session second = await round.StartSessionAsync(b, mkfs: false, acquired: true);
        await Task.Delay(2000);
        await round.StopSessionAsync(second);
        Assert.Empty((await round.JudgeAsync()).Violations);
    }

    [Fact]
    public async Task An_orderly_stop_during_an_osd_restart_still_releases_and_the_waiter_needs_no_fence()
    {
        // Finding 5: a release that fails for a moment must be retried, or the waiter later
        // fences the whole holder (and every healthy volume behind its address).
        await using FaultRound round = await FaultRound.StartAsync(cluster, output, "stop-osd-down");
        FaultHost a = cluster.Host(1), b = cluster.Host(2);
        Session first = await round.StartSessionAsync(a, mkfs: true);
        BackgroundProcess waiter = round.StartWaiter(b);
        await Task.Delay(1000);

        // systemctl stop: the writer ends and the file system is unmounted; then, with the OSD
        // down, the holder is stopped: its unmap and its unlock wait for the OSD or fail.
        first.Writer.Signal("TERM");
        await first.Writer.WaitAsync(TimeSpan.FromSeconds(30), first.Label);
        (await Local.RunAsync("umount", first.Mount)).EnsureSuccess();
        first.Mounted = false;
        Task outage = cluster.RestartAsync("osd", 4.0);
        round.Faults++;
        await Task.Delay(1500);
        first.Holder.Signal("TERM");
        (int code, _, string err) = await first.Holder.WaitAsync(TimeSpan.FromSeconds(60), "the holder stopped during the outage");
        Assert.True(code == 0, $"the holder stopped during an OSD restart exited {code}: {err}");
        await outage;
        JsonElement taken = await round.TakeOverAsync(waiter, a, TimeSpan.FromSeconds(60));
        Assert.True(taken.GetProperty("fenced").ValueKind == JsonValueKind.Null,
            $"the waiter fenced {taken.GetProperty("fenced")}: the stopped holder's release was lost to the OSD restart");
        Session second = await round.StartSessionAsync(b, mkfs: false, acquired: true);
        await Task.Delay(2000);
        await round.StopSessionAsync(second);
        Assert.Empty((await round.JudgeAsync()).Violations);
    }

    [Fact]
    public async Task Two_hosts_behind_one_ip_the_dead_one_is_taken_over_and_only_it_is_fenced()
    {
        await using FaultRound round = await FaultRound.StartAsync(cluster, output, "shared-ip");
        FaultHost dead = cluster.Identity(4, "host-4a"), neighbour = cluster.Identity(4, "host-4c"), b = cluster.Host(2);
        string other = await cluster.CreateImageAsync("neighbour");
        Session neighbours = await round.StartSessionAsync(neighbour, mkfs: true, volume: other);
        Session first = await round.StartSessionAsync(dead, mkfs: true);
        BackgroundProcess waiter = round.StartWaiter(b);
        await Task.Delay(1000);

        // The dead identity's machine crashes: its holder and its data path die.
        first.Holder.Signal("KILL");
        foreach (int pid in round.RbdFuseOn(dead))
        {
            Local.Kill("KILL", pid);
        }

        round.Faults++;
        JsonElement taken = await round.TakeOverAsync(waiter, dead, TimeSpan.FromSeconds(60));
        Assert.Equal("acquired", taken.GetProperty("result").GetString());
        string fenced = taken.GetProperty("fenced").ToString();
        Assert.NotEqual(dead.WholeHostEntry, fenced); // contract 2: the exact clients, never the whole shared IP
        Session second = await round.StartSessionAsync(b, mkfs: false, acquired: true);

        // The neighbour behind the same IP keeps its volume and keeps writing.
        int before = neighbours.Acks;
        await Task.Delay(3000);
        Assert.False(neighbours.Holder.HasExited, "the neighbour's holder died: fencing hit another identity behind the same IP");
        Assert.True(neighbours.Acks > before + 10, $"the neighbour stopped writing ({neighbours.WriterEnd})");
        await round.StopSessionAsync(second);
        await round.StopSessionAsync(neighbours);
        Assert.Empty((await round.JudgeAsync()).Violations);
        Assert.Empty((await round.JudgeAsync(other, null, "shared-ip-neighbour")).Violations);
    }

    [Fact]
    public async Task Lock_removed_by_an_operator_without_a_fence_stops_the_holder()
    {
        await using FaultRound round = await FaultRound.StartAsync(cluster, output, "lock-rm");
        FaultHost a = cluster.Host(5), b = cluster.Host(2);
        Session first = await round.StartSessionAsync(a, mkfs: true);
        await Task.Delay(1000);

        // `rbd lock rm` blocklists the locker's client: in advisory mode the acquire that already exited.
        JsonElement locker = JsonDocument.Parse((await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", round.Volume)).EnsureSuccess().StdOut)
            .RootElement.EnumerateArray().Single();
        (await b.RunAsync("rbd", "lock", "rm", round.Volume, locker.GetProperty("id").GetString()!, locker.GetProperty("locker").GetString()!)).EnsureSuccess();
        round.Faults++;
        TimeSpan took = await round.ExpectFencedAsync(first, TimeSpan.FromSeconds(15));
        round.FencedAt(a, DateTime.UtcNow); // from here on nothing of host a may reach the image
        Assert.True(took < TimeSpan.FromSeconds(5), $"the holder took {took} to stop after its lock was removed (guard interval 1 s)");

        Session second = await round.StartSessionAsync(b, mkfs: false);
        await Task.Delay(2000);
        await round.StopSessionAsync(second);
        Assert.Empty((await round.JudgeAsync()).Violations);
    }

    [Fact]
    public async Task One_shot_acquire_after_a_holder_died_long_ago_fences_it()
    {
        await using FaultRound round = await FaultRound.StartAsync(cluster, output, "one-shot");
        FaultHost a = cluster.Host(1), b = cluster.Host(2);
        Session first = await round.StartSessionAsync(a, mkfs: true);
        await Task.Delay(1000);

        first.Holder.Signal("KILL");
        foreach (int pid in round.RbdFuseOn(a))
        {
            Local.Kill("KILL", pid);
        }

        round.Faults++;
        await Task.Delay(WatchAndGrace + TimeSpan.FromSeconds(1)); // dead for longer than watch timeout + grace

        // Finding 5: a one-shot acquire (as `rbdfence map` or a script runs it) must fence it, not answer "contended".
        CommandResult once = await b.RbdfenceAsync(["acquire", round.Volume, .. FaultRound.Grace, "--json"]);
        Assert.True(once.ExitCode == 0, $"one-shot acquire of a long-dead holder's volume: {once}");
        JsonElement taken = JsonDocument.Parse(once.StdOut.Trim().Split('\n').Last()).RootElement;
        Assert.NotEqual(JsonValueKind.Null, taken.GetProperty("fenced").ValueKind);
        round.FencedAt(a, DateTimeOffset.FromUnixTimeMilliseconds(taken.GetProperty("at").GetInt64()).UtcDateTime);

        Session second = await round.StartSessionAsync(b, mkfs: false, acquired: true);
        await Task.Delay(2000);
        await round.StopSessionAsync(second);
        Assert.Empty((await round.JudgeAsync()).Violations);
    }

    [Fact]
    public async Task Crashed_fuse_backend_is_not_reused_by_the_restarted_holder()
    {
        await using FaultRound round = await FaultRound.StartAsync(cluster, output, "fuse-crash");
        FaultHost a = cluster.Host(1), b = cluster.Host(2);
        Session first = await round.StartSessionAsync(a, mkfs: true);
        await Task.Delay(1000);

        foreach (int pid in round.RbdFuseOn(a))
        {
            Local.Kill("KILL", pid); // the backend crashes
        }

        round.Faults++;
        await FaultRound.WaitUntilAsync(() => first.Writer.HasExited, TimeSpan.FromSeconds(30), "the writer to fail on the dead device");
        // systemd: the mount unit fails, the service is restarted (its main process killed by the watchdog or the restart).
        (await Local.RunAsync("umount", "-l", first.Mount)).EnsureSuccess();
        first.Mounted = false;
        first.Holder.Signal("KILL");
        await first.Holder.TryWaitAsync(TimeSpan.FromSeconds(10));

        // The restarted unit must map a live device, not the dead loop device: the mount works and writes are acknowledged.
        Session again = await round.StartSessionAsync(a, mkfs: false);
        await Task.Delay(2000);
        await round.StopSessionAsync(again);

        Session second = await round.StartSessionAsync(b, mkfs: false);
        await Task.Delay(1000);
        await round.StopSessionAsync(second);
        Assert.Empty((await round.JudgeAsync()).Violations);
    }
}
