using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;
using Xunit.Abstractions;

namespace Rbdfence.Vm.Tests;

/// <summary>
/// Issue 9's acceptance, in managed mode (images with exclusive-lock) on krbd and rbd-nbd,
/// with rbdfence installed in the guests as an operator installs it and the volumes in their
/// /etc/ceph/rbdfencetab. Guest a booted first, then b (the fixture); the steps run in order
/// because they share the guests. All of them run in the default <c>scripts/test</c> (CI).
/// </summary>
[Collection(VmCluster.Collection)]
[TestCaseOrderer(StepOrderer.Name, StepOrderer.Assembly)]
public sealed class ManagedModeTests(VmCluster cluster, ITestOutputHelper output)
{
    private static readonly TimeSpan TakeOver = TimeSpan.FromSeconds(90);

    [Fact]
    [Trait("Tier", "vm")]
    [Step(1)]
    public Task Boot_krbd_a_holds_and_mounts_b_waits() => BootAssertionsAsync(cluster.BootVolume, "/mnt/bootk", "mnt-bootk.mount", "krbd");

    [Fact]
    [Trait("Tier", "vm")]
    [Step(2)]
    public Task Boot_nbd_a_holds_and_mounts_b_waits() => BootAssertionsAsync(cluster.BootNbdVolume, "/mnt/bootn", "mnt-bootn.mount", "nbd");

    [Fact]
    [Trait("Tier", "vm")]
    [Step(3)]
    public Task Hand_over_krbd_three_rounds() => HandOverAsync(cluster.BootVolume, "mnt-bootk.mount", rounds: 3);

    [Fact]
    [Trait("Tier", "vm")]
    [Step(4)]
    // One round: rbd-nbd's hand-over works (it lets the lock go only when it closes the
    // image); its figures over more rounds are in docs/PERFORMANCE.md, CI's time is bounded.
    public Task Hand_over_nbd_one_round() => HandOverAsync(cluster.BootNbdVolume, "mnt-bootn.mount", rounds: 1);

    /// <summary>
    /// SIGKILL of a's holder while mapped: the kernel mapping stays behind, still owning the
    /// lock; the unit restarts, and a must hold and mount again (its own leftover unmapped,
    /// never waited on), and at no moment in between does Ceph name another host's client as
    /// the owner. No other host wants the volume here: in managed mode the lock is the
    /// mapping's, so a peer already waiting when a lets its leftover go may take the volume
    /// instead (a hand-over, safe: docs/DESIGN.md, "Holding").
    /// </summary>
    [Fact]
    [Trait("Tier", "vm")]
    [Step(5)]
    public async Task Killed_holder_a_holds_and_mounts_again_no_other_owner_meanwhile()
    {
        const string Volume = "rbd/crash";
        const string Mount = "mnt-crash.mount";
        string unit = VmCluster.InstanceOf(Volume);
        await cluster.CreateFormattedImageAsync(Volume);
        await AddVolumeAsync("a", Volume, "/mnt/crash", "krbd");
        Assert.True(await cluster.WaitActiveAsync("a", Mount, TakeOver), await cluster.DescribeAsync("a", unit));
        string ipA = (await cluster.ExecAsync("a", "ip -4 -o addr show eth0 | awk '{ split($4, a, \"/\"); print a[1] }'")).EnsureSuccess().StdOut.Trim();

        string mainPid = await cluster.PropertyAsync("a", unit, "MainPID");
        DateTime killedAt = DateTime.UtcNow;
        (await cluster.ExecAsync("a", $"systemctl kill --signal=KILL --kill-whom=main '{unit}'")).EnsureSuccess();
        // The mapping is left behind by the dead holder.
        output.WriteLine((await cluster.ExecAsync("a", "ls /sys/bus/rbd/devices; mount | grep crash || true")).StdOut);

        // Ceph's owner of the lock, sampled from the cluster side until a mounts again.
        var owners = new List<string>();
        bool again = await WaitAsync(
            async () =>
            {
                owners.AddRange(LockOwners((await cluster.CephAsync("rbd", "lock", "ls", Volume)).StdOut));
                return await cluster.PropertyAsync("a", unit, "MainPID") is var pid && pid != mainPid && pid != "0"
                    && await cluster.PropertyAsync("a", unit, "ActiveState") == "active"
                    && await cluster.PropertyAsync("a", Mount, "ActiveState") == "active";
            },
            TakeOver);
        Assert.True(again, await cluster.DescribeAsync("a", unit));
        VmCluster.Report($"killed holder: a mounted rbd/crash again {(DateTime.UtcNow - killedAt).TotalSeconds:0.0} s after its holder was SIGKILLed (seen by polling; {owners.Count} owner samples, all a's)");
        output.WriteLine($"owners seen meanwhile: {string.Join(", ", owners.Distinct())}");
        Assert.NotEmpty(owners);
        Assert.All(owners, owner => Assert.StartsWith(ipA + ":", owner, StringComparison.Ordinal));
        (await cluster.ExecAsync("a", "echo after-kill > /mnt/crash/proof && sync")).EnsureSuccess();
    }

    /// <summary>
    /// a is reset (power cycled, no shutdown) while holding, and boots again before anyone
    /// else took the volume (no other host wants it: a waiting b would rightly fence the
    /// dead a and take it within watch timeout + grace, sooner than a boots under
    /// emulation): a must hold and mount again, its earlier boot's kernel client fenced
    /// exactly, never waited on.
    /// </summary>
    [Fact]
    [Trait("Tier", "vm")]
    [Step(6)]
    public async Task Reset_a_boots_holds_and_mounts_again_its_earlier_client_fenced()
    {
        const string Volume = "rbd/crash";
        const string Mount = "mnt-crash.mount";
        string unit = VmCluster.InstanceOf(Volume);
        if (await cluster.PropertyAsync("a", Mount, "ActiveState") != "active")
        {
            Assert.Fail("precondition: a does not hold rbd/crash (the previous step failed)\n" + await cluster.DescribeAsync("a", unit));
        }

        string locks = (await cluster.CephAsync("rbd", "lock", "ls", Volume)).EnsureSuccess().StdOut;
        string earlier = LockOwners(locks).Single();
        output.WriteLine($"a's kernel client before the reset: {earlier}");

        string table = Path.Join(cluster.Work, "a-crash.tab");
        File.WriteAllText(table, VmCluster.TableLine(Volume, "/mnt/crash", "krbd"));
        (await cluster.SignalAsync("kill", "a")).EnsureSuccess();
        await cluster.BootAsync("a", table);
        double? mounted = await cluster.MountedUptimeAsync("a", Mount, TimeSpan.FromSeconds(120));
        output.WriteLine($"a after the reset: rbd/crash mounted at {mounted} s of uptime");
        VmCluster.Report($"reset: a mounted rbd/crash again at {mounted:0.0} s of uptime, its earlier client {earlier} fenced");
        Assert.True(mounted is not null, await cluster.DescribeAsync("a", unit));
        Assert.Equal("after-kill", (await cluster.ExecAsync("a", "cat /mnt/crash/proof")).StdOut.Trim());
        string blocklist = (await cluster.CephAsync("ceph", "osd", "blocklist", "ls")).StdOut;
        Assert.Contains(earlier, blocklist, StringComparison.Ordinal);
    }

    /// <summary>
    /// a's qemu is frozen (SIGSTOP) while a writer appends fsync'd records: b fences a within
    /// watch timeout + grace + 8 s (what rbdfence decides) and mounts within 20 s of that
    /// (its exclusive map and mount, machine speed under emulation); a, resumed, is told it was fenced (holder
    /// exit 78) and its writes fail; on b the file system is clean and holds every record
    /// a had acknowledged and none written after the freeze.
    /// </summary>
    [Fact]
    [Trait("Tier", "vm")]
    [Step(7)]
    public async Task Frozen_a_is_fenced_by_b_which_mounts_and_a_writes_nothing_after()
    {
        const string Volume = "rbd/frozen";
        const string Mount = "mnt-frozen.mount";
        string unit = VmCluster.InstanceOf(Volume);
        await cluster.CreateFormattedImageAsync(Volume);
        await AddVolumeAsync("a", Volume, "/mnt/frozen", "krbd");
        Assert.True(await cluster.WaitActiveAsync("a", Mount, TakeOver), await cluster.DescribeAsync("a", unit));
        await AddVolumeAsync("b", Volume, "/mnt/frozen", "krbd");

        // One record a line, fsync'd (sync FILE), then acknowledged in a's /run.
        (await cluster.ExecAsync("a", """
            setsid bash -c 'i=0; while :; do i=$((i + 1)); echo "a $i" >> /mnt/frozen/records && sync /mnt/frozen/records && echo $i > /run/acked || echo "failed $i" >> /run/writer-errors; sleep 0.2; done' </dev/null >/dev/null 2>&1 &
            """)).EnsureSuccess();
        // Measured before a's count is read: between that reading and the freeze a keeps
        // writing, and the checks below allow only a second or so of it.
        double offsetB = await ClockOffsetAsync("b");
        await Task.Delay(TimeSpan.FromSeconds(4));
        string ipA = (await cluster.ExecAsync("a", "ip -4 -o addr show eth0 | awk '{ split($4, a, \"/\"); print a[1] }'")).EnsureSuccess().StdOut.Trim();
        int ackedBeforeFreeze = int.Parse((await cluster.ExecAsync("a", "cat /run/acked")).EnsureSuccess().StdOut.Trim(), CultureInfo.InvariantCulture);

        // The volume a holds from the earlier steps, untouched by this fence.
        bool otherHeld = await cluster.PropertyAsync("a", "mnt-crash.mount", "ActiveState") == "active";
        double frozenAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1e3;
        (await cluster.SignalAsync("freeze", "a")).EnsureSuccess();
        try
        {
            // Two parts, each with its own bound: the fence is rbdfence's decision (a's watch
            // times out, the grace runs, b blocklists and breaks); the mount after it is b's
            // exclusive map and ext4 mount, which under emulation on a busy machine took 5
            // to 14 s and is what made one overall limit flaky.
            const int FenceLimit = VmCluster.WatchTimeout + VmCluster.Grace + 8, MountLimit = 20;
            bool mounted = await WaitAsync(async () => await cluster.PropertyAsync("b", Mount, "ActiveState") == "active", TimeSpan.FromSeconds(FenceLimit + MountLimit + 30));
            Assert.True(mounted, await cluster.DescribeAsync("b", unit));
            double fencedAfter = await JournalSecondsAsync("b", unit, "fenced ") - offsetB - frozenAt;
            double mountedAfter = await SecondsAsync("b", Mount, "ActiveEnterTimestamp") - offsetB - frozenAt;
            string took = FormattableString.Invariant($"b fenced a {fencedAfter:0.0} s after the freeze (limit {FenceLimit} s) and mounted {mountedAfter - fencedAfter:0.0} s later (limit {MountLimit} s)");
            output.WriteLine(took);
            VmCluster.Report("freeze: " + took);
            Assert.True(fencedAfter <= FenceLimit, took);
            Assert.True(mountedAfter - fencedAfter <= MountLimit, took);
            string blocklist = (await cluster.CephAsync("ceph", "osd", "blocklist", "ls")).StdOut;
            output.WriteLine(blocklist);
            Assert.Contains(ipA + ":0/", blocklist, StringComparison.Ordinal);
        }
        finally
        {
            await cluster.SignalAsync("thaw", "a");
        }

        // a, resumed: its holder learns it was fenced and exits 78; its writes fail.
        // Either the holder's own check ran first after the thaw (exit 78), or systemd's
        // watchdog did (the guest's clock jumped past WatchdogSec while frozen): both stop
        // the holder and its mount, which is what keeps a from writing.
        string ended = string.Empty;
        bool fenced = await WaitAsync(
            async () => (ended = (await cluster.ExecAsync("a", $"journalctl -u '{unit}' --no-pager -o cat | grep -m1 -o -e 'status=78/[A-Z]*' -e 'Watchdog timeout'")).StdOut.Trim()).Length > 0,
            TimeSpan.FromSeconds(60));
        Assert.True(fenced, await cluster.DescribeAsync("a", unit));
        output.WriteLine($"a's holder after the thaw: {ended}");
        await Task.Delay(TimeSpan.FromSeconds(3));
        int ackedAfter = int.Parse((await cluster.ExecAsync("a", "cat /run/acked")).StdOut.Trim(), CultureInfo.InvariantCulture);
        Assert.True(ackedAfter <= ackedBeforeFreeze + 6, $"a acknowledged records up to {ackedAfter} after being fenced (at the freeze: {ackedBeforeFreeze})");
        await cluster.ExecAsync("a", "pkill -f 'mnt/frozen/records' || true");

        // The fence took a's clients of rbd/frozen, not its other volume: every mapping has
        // a kernel client of its own (noshare), so rbd/crash, mapped with the same
        // credentials, still writes after the thaw.
        // A freeze that outlasts WatchdogSec (the guest's monotonic clock jumps at the thaw)
        // can get that volume's holder restarted by systemd too; the restart must find the
        // volume still this host's (never 78) and mount it again.
        if (otherHeld)
        {
            string crashUnit = VmCluster.InstanceOf("rbd/crash");
            bool back = await WaitAsync(async () => await cluster.PropertyAsync("a", "mnt-crash.mount", "ActiveState") == "active", TimeSpan.FromSeconds(90));
            CommandResult other = await cluster.ExecAsync("a", "echo after-freeze > /mnt/crash/after-freeze && sync /mnt/crash/after-freeze && systemctl is-active mnt-crash.mount", 90);
            string crashEnds = (await cluster.ExecAsync("a", $"journalctl -u '{crashUnit}' --no-pager -o cat | grep -o -e 'status=[0-9]*/[A-Z]*' -e 'Watchdog timeout' || true")).StdOut.Trim();
            output.WriteLine($"a's other volume rbd/crash after the thaw: {(crashEnds.Length > 0 ? crashEnds.ReplaceLineEndings(", ") : "its holder ran on")}");
            Assert.True(back && other.Succeeded, "a's other volume rbd/crash was hit by rbd/frozen's fence:\n" + other + await cluster.DescribeAsync("a", crashUnit));
            Assert.DoesNotContain("status=78", crashEnds, StringComparison.Ordinal);
        }
        else
        {
            output.WriteLine("a held no other volume (an earlier step failed): the fence's reach is not checked");
        }

        // On b, from the device itself (b's page cache would hide a's writes): clean, and
        // the records a acknowledged are all there, and nothing a tried after the freeze.
        (await cluster.ExecAsync("b", $"systemctl stop '{unit}'", 120)).EnsureSuccess();
        CommandResult check = await cluster.ExecAsync("b", KrbdSmokeTests.MapScript + """
            set -e
            id=$(map frozen read_only)
            fsck.ext4 -n -f /dev/rbd$id; echo "fsck=$?"
            debugfs -R 'cat /records' /dev/rbd$id 2>/dev/null > /run/records
            echo "last=$(tail -n 1 /run/records | cut -d' ' -f2)"
            echo "count=$(grep -c '^a ' /run/records)"
            echo $id > /sys/bus/rbd/remove_single_major
            """);
        output.WriteLine(check.ToString());
        check.EnsureSuccess();
        int last = int.Parse(KrbdSmokeTests.Field(check.StdOut, "last"), CultureInfo.InvariantCulture);
        Assert.Equal("0", KrbdSmokeTests.Field(check.StdOut, "fsck"));
        Assert.Equal(last.ToString(CultureInfo.InvariantCulture), KrbdSmokeTests.Field(check.StdOut, "count"));
        Assert.True(last >= ackedBeforeFreeze, $"record {ackedBeforeFreeze} was acknowledged on a but the volume ends at {last}");
        Assert.True(last <= ackedBeforeFreeze + 6, $"the volume has records up to {last}; a had acknowledged {ackedBeforeFreeze} when frozen");
    }

    private async Task BootAssertionsAsync(string volume, string mountPoint, string mount, string backend)
    {
        await cluster.BootWithTablesAsync();
        string unit = VmCluster.InstanceOf(volume);
        foreach (string line in cluster.Log)
        {
            output.WriteLine(line);
        }

        Assert.True(await cluster.WaitActiveAsync("a", mount, TimeSpan.FromSeconds(30)), await cluster.DescribeAsync("a", unit));
        string statusText = await cluster.PropertyAsync("a", unit, "StatusText");
        output.WriteLine($"a: {unit} StatusText={statusText}");
        Assert.NotEqual(string.Empty, statusText);
        (await cluster.ExecAsync("a", $"echo from-a > {mountPoint}/proof && sync")).EnsureSuccess();

        string ipA = (await cluster.ExecAsync("a", "ip -4 -o addr show eth0 | awk '{ split($4, a, \"/\"); print a[1] }'")).EnsureSuccess().StdOut.Trim();
        string locks = (await cluster.CephAsync("rbd", "lock", "ls", volume)).EnsureSuccess().StdOut;
        string watchers = (await cluster.CephAsync("rbd", "status", volume)).EnsureSuccess().StdOut;
        output.WriteLine(locks + watchers);
        Assert.Contains(ipA + ":0/", locks, StringComparison.Ordinal);
        Assert.Contains(ipA + ":0/", watchers, StringComparison.Ordinal);

        // b waits: its unit is starting, nothing of the volume mapped or mounted there.
        CommandResult status = await cluster.ExecAsync("b", $"rbdfence status {volume}");
        output.WriteLine(status.ToString());
        Assert.Contains("guest-a", status.StdOut + status.StdErr, StringComparison.Ordinal);
        // b's agent answers early in its boot: its unit starts once the network is online
        // (After=network-online.target), so wait for that start, then for it to stay waiting.
        bool waiting = await WaitAsync(async () => await cluster.PropertyAsync("b", unit, "ActiveState") == "activating", TimeSpan.FromSeconds(90));
        Assert.True(waiting, "b's unit never started waiting\n" + await cluster.DescribeAsync("b", unit));
        await Task.Delay(TimeSpan.FromSeconds(VmCluster.Grace + 2));
        Assert.Equal("activating", await cluster.PropertyAsync("b", unit, "ActiveState"));
        Assert.NotEqual("active", await cluster.PropertyAsync("b", mount, "ActiveState"));
        string mappedOnB = backend == "krbd"
            ? (await cluster.ExecAsync("b", $"grep -lx '{volume.Split('/')[1]}' /sys/bus/rbd/devices/*/name 2>/dev/null || true")).StdOut
            : (await cluster.ExecAsync("b", "rbd-nbd list-mapped 2>/dev/null || true")).StdOut;
        Assert.Equal(string.Empty, mappedOnB.Trim());
    }

    private async Task HandOverAsync(string volume, string mount, int rounds)
    {
        await cluster.BootWithTablesAsync();
        string unit = VmCluster.InstanceOf(volume);
        Assert.True(await cluster.WaitActiveAsync("a", mount, TimeSpan.FromSeconds(30)), "precondition: a holds the volume\n" + await cluster.DescribeAsync("a", unit));
        var wakeUps = new List<double>();
        var startUps = new List<double>();
        var rests = new List<double>();
        string holder = "a", waiter = "b";
        for (int round = 1; round <= rounds; round++)
        {
            double offsetHolder = await ClockOffsetAsync(holder);
            double offsetWaiter = await ClockOffsetAsync(waiter);
            (await cluster.ExecAsync(holder, $"systemctl stop '{unit}'", 120)).EnsureSuccess();
            Assert.True(await cluster.WaitActiveAsync(waiter, mount, TakeOver), $"round {round}: {waiter} did not mount\n" + await cluster.DescribeAsync(waiter, unit));

            // Realtime stamps, each guest's clock corrected to the host's: the holder's unmap
            // begins (its backend's "unmapping" line, before the kernel lets the lock go), the
            // waiter sees the lock free (its acquire's line), the waiter's holder is ready, mounted.
            double unmapping = await JournalSecondsAsync(holder, unit, ": unmapping /dev/") - offsetHolder;
            double noticed = await JournalSecondsAsync(waiter, unit, "no live peer owns the managed lock") - offsetWaiter;
            double ready = await SecondsAsync(waiter, unit, "ActiveEnterTimestamp") - offsetWaiter;
            double mounted = await SecondsAsync(waiter, mount, "ActiveEnterTimestamp") - offsetWaiter;
            wakeUps.Add(noticed - unmapping);
            startUps.Add(ready - noticed);
            rests.Add(mounted - ready);
            output.WriteLine(FormattableString.Invariant(
                $"round {round} {holder}->{waiter}: unmap->{waiter} saw the lock free {(noticed - unmapping) * 1000:0} ms, then its holder ready {(ready - noticed) * 1000:0} ms, ready->mounted {(mounted - ready) * 1000:0} ms, total {(mounted - unmapping) * 1000:0} ms"));

            // The old holder queues up again, as a host that wants the volume back.
            (await cluster.ExecAsync(holder, $"systemctl start --no-block '{unit}'")).EnsureSuccess();
            (holder, waiter) = (waiter, holder);
        }

        string medians = FormattableString.Invariant(
            $"medians over {rounds} rounds: wake-up (unmap to the waiter seeing the lock free) {Median(wakeUps) * 1000:0} ms, holder start-up {Median(startUps) * 1000:0} ms, rest {Median(rests) * 1000:0} ms");
        output.WriteLine(medians + " (clock offsets estimated by the agent's round trip)");
        VmCluster.Report($"hand-over {volume}: {medians}");
        // The mount follows the holder's READY=1 with no polling in between: a restart or
        // retry loop would show as seconds. Under emulation ext4's mount alone took 0.4 to
        // 1.0 s (median), so the bound is 2 s, not the 1 s a real machine meets.
        Assert.True(Median(rests) < 2.0, $"median ready->mounted {Median(rests):0.000} s; bound < 2 s under emulation");
    }

    /// <summary>Guest clock minus host clock (s), from the quickest of five agent round trips.</summary>
    private async Task<double> ClockOffsetAsync(string guest)
    {
        double best = double.MaxValue, offset = 0;
        for (int i = 0; i < 5; i++)
        {
            double before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1e3;
            CommandResult now = (await cluster.ExecAsync(guest, "date +%s.%N")).EnsureSuccess();
            double after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1e3;
            if (after - before < best)
            {
                best = after - before;
                offset = double.Parse(now.StdOut.Trim(), CultureInfo.InvariantCulture) - ((before + after) / 2);
            }
        }

        return offset;
    }

    /// <summary>A timestamp property of a unit, in seconds since the epoch on the guest's clock (µs resolution).</summary>
    private async Task<double> SecondsAsync(string guest, string unit, string property)
    {
        string raw = (await cluster.ExecAsync(guest, $"date -d \"$(systemctl show -P {property} --timestamp=us+utc '{unit}')\" +%s.%6N")).EnsureSuccess().StdOut.Trim();
        return double.Parse(raw, CultureInfo.InvariantCulture);
    }

    /// <summary>When <paramref name="unit"/> last logged a line containing <paramref name="text"/>, in seconds since the epoch on the guest's clock.</summary>
    private async Task<double> JournalSecondsAsync(string guest, string unit, string text)
    {
        string raw = (await cluster.ExecAsync(guest, $"journalctl -u '{unit}' -o short-unix --no-pager | grep -F -- '{text}' | tail -n 1 | cut -d' ' -f1")).EnsureSuccess().StdOut.Trim();
        return raw.Length > 0 ? double.Parse(raw, CultureInfo.InvariantCulture) : throw new InvalidOperationException($"{guest}: {unit} logged no '{text}'");
    }

    private async Task AddVolumeAsync(string guest, string volume, string mountPoint, string backend)
    {
        string line = VmCluster.TableLine(volume, mountPoint, backend).TrimEnd('\n');
        (await cluster.ExecAsync(guest, $"echo '{line}' >> /etc/ceph/rbdfencetab && systemctl daemon-reload && systemctl start --no-block '{VmCluster.InstanceOf(volume)}'", 180)).EnsureSuccess();
    }

    /// <summary>The owners' addresses in <c>rbd lock ls</c> output (a line per locker: entity, cookie, address).</summary>
    private static IEnumerable<string> LockOwners(string lockList) =>
        lockList.Split('\n').Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 3 && fields[0].StartsWith("client.", StringComparison.Ordinal))
            .Select(fields => fields[^1]);

    private static async Task<bool> WaitAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }

        return false;
    }

    private static double Median(List<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
