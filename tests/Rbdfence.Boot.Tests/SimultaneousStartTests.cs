using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;
using Xunit.Abstractions;

namespace Rbdfence.Boot.Tests;

/// <summary>
/// Two hosts bring up the same volume at the same moment, over and over: each time exactly
/// one mounts it and the other waits, never both (by systemd's own timestamps on one kernel
/// clock, and by Ceph's <c>rbd lock ls</c>). A real boot takes seconds, so most rounds start
/// the two mount units of two booted hosts within milliseconds of each other (a barrier both
/// wait on); a few rounds are real simultaneous boots.
/// </summary>
[Collection(BootCluster.Collection)]
public sealed class SimultaneousStartTests(BootCluster cluster, ITestOutputHelper output)
{
    // RBDFENCE_BOOT_RACE_ROUNDS=START,BOOT overrides the rounds (e.g. for a quick look).
    private static readonly int[] Rounds = Environment.GetEnvironmentVariable("RBDFENCE_BOOT_RACE_ROUNDS") is { Length: > 0 } given
        ? [.. given.Split(',').Select(n => int.Parse(n, System.Globalization.CultureInfo.InvariantCulture))]
        : [60, 3]; // CI's time is bounded: 60 start rounds and 3 real boots, about 2 minutes

    private static int StartRounds => Rounds[0];

    private static int BootRounds => Rounds[1];

    [Trait("Tier", "faults")]
    [Fact]
    public async Task Two_hosts_starting_the_volume_at_the_same_moment_never_both_mount_it()
    {
        var clock = Stopwatch.StartNew();
        string volume = await cluster.CreateFormattedImageAsync("race");
        string service = BootCluster.InstanceOf(volume);
        string line = Scenario.Line(cluster, volume, "noauto");
        string barrier = Path.Join(cluster.Shared, "barrier-" + Guid.NewGuid().ToString("N")[..8]);
        (await Processes.RunAsync("mkfifo", [barrier])).EnsureSuccess();
        try
        {
            await using BootedHost a = await BootedHost.BootAsync(cluster, 1, line);
            await using BootedHost b = await BootedHost.BootAsync(cluster, 2, line);
            var wins = new Dictionary<string, int>(StringComparer.Ordinal) { [a.HostName] = 0, [b.HostName] = 0 };
            var skews = new List<double>();
            var roundTimes = new List<double>();
            var slowRounds = new List<int>();
            File.WriteAllText(Path.Join(a.EtcCeph, "race.sh"), RaceScript);
            File.WriteAllText(Path.Join(b.EtcCeph, "race.sh"), RaceScript);
            for (int round = 1; round <= StartRounds; round++)
            {
                var roundClock = Stopwatch.StartNew();
                string go = $"go-{round}";
                Task<CommandResult> raceA = a.RunAsync("sh", "/etc/ceph/race.sh", barrier, "/etc/ceph/" + go, service);
                Task<CommandResult> raceB = b.RunAsync("sh", "/etc/ceph/race.sh", barrier, "/etc/ceph/" + go, service);
                await ReleaseBarrierAsync(barrier, [a, b], go);
                string[] resultA = (await raceA).EnsureSuccess().StdOut.Split(' ', StringSplitOptions.TrimEntries);
                string[] resultB = (await raceB).EnsureSuccess().StdOut.Split(' ', StringSplitOptions.TrimEntries);
                Assert.False(resultA[0] == "mounted" && resultB[0] == "mounted", $"round {round}: both hosts mounted the volume");
                if (resultA[0] == "waiting" && resultB[0] == "waiting")
                {
                    // Both found the lock held: a lock left by the round before (not yet
                    // understood). Safe, but slow: one must mount once that holder is stale.
                    (resultA[0], resultB[0]) = await SettleAsync(a, b, service, round);
                    slowRounds.Add(round);
                }

                // Exactly one mounted and the other waits; anything else ("timeout": neither
                // happened within 45 s) is a failure, never a guess at the winner.
                if ((resultA[0], resultB[0]) is not ("mounted", "waiting") and not ("waiting", "mounted"))
                {
                    output.WriteLine($"{a.HostName}:\n{Tail(await a.JournalAsync(service, Scenario.MountUnit))}\n{b.HostName}:\n{Tail(await b.JournalAsync(service, Scenario.MountUnit))}");
                    Assert.Fail($"round {round}: {a.HostName} {resultA[0]}, {b.HostName} {resultB[0]}: not exactly one mounted and one waiting");
                }

                (BootedHost winner, BootedHost loser) = resultA[0] == "mounted" ? (a, b) : (b, a);
                wins[winner.HostName]++;
                skews.Add(Math.Abs(long.Parse(resultA[1], CultureInfo.InvariantCulture) - long.Parse(resultB[1], CultureInfo.InvariantCulture)) / 1000.0);

                // A moment later: Ceph names the winner alone, and the loser still waits, unmounted.
                Task<IReadOnlyList<Locker>> lockers = LockSampler.LockersAsync(cluster, volume);
                VolumeState lost = await VolumeState.ReadAsync(loser, service);
                IReadOnlyList<Locker> seen = await lockers;
                if (seen.Count != 1 || seen[0].Host != winner.HostName || lost.Mounted || lost.Service is not "activating/start-pre")
                {
                    // What each host did is in its journal: print both before failing.
                    output.WriteLine($"{a.HostName}:\n{Tail(await a.JournalAsync(service, Scenario.MountUnit))}\n{b.HostName}:\n{Tail(await b.JournalAsync(service, Scenario.MountUnit))}");
                }

                Assert.True(seen.Count == 1 && seen[0].Host == winner.HostName,
                    $"round {round}: {winner.HostName} mounted, but Ceph's lockers are [{string.Join(", ", seen)}]");
                Assert.False(lost.Mounted, $"round {round}: both hosts mounted the volume");
                Assert.True(lost.Service is "activating/start-pre", $"round {round}: {loser.HostName}'s volume is {lost.Service}, not waiting for the lock");

                // Both stop at once: the loser's start is cancelled, the winner lets go.
                Task<CommandResult> stopLoser = loser.SystemctlAsync("stop", service);
                (await winner.SystemctlAsync("stop", service)).EnsureSuccess();
                (await stopLoser).EnsureSuccess();

                // A round takes about 1.5 s: a host that wins six in a row starts its mount
                // more often than systemd's default start limit allows (5 in 10 s), and the
                // sixth mount fails with start-limit-hit while its holder holds the lock (seen
                // in CI). That limit is not what this test is about: reset it every round.
                await Task.WhenAll(a.SystemctlAsync("reset-failed", Scenario.MountUnit, service), b.SystemctlAsync("reset-failed", Scenario.MountUnit, service));
                roundTimes.Add(roundClock.Elapsed.TotalSeconds);
            }

            skews.Sort();
            output.WriteLine($"rounds in which both hosts first found the lock held and one mounted only after the grace: " +
                $"{(slowRounds.Count == 0 ? "none" : string.Join(", ", slowRounds))}");
            Assert.True(slowRounds.Count <= StartRounds / 20, $"{slowRounds.Count} of {StartRounds} rounds mounted only after the grace: {string.Join(", ", slowRounds)}");
            output.WriteLine($"{StartRounds} rounds of simultaneous starts in {roundTimes.Sum():0} s (a round {roundTimes.Average():0.00} s on average): " +
                $"{a.HostName} won {wins[a.HostName]}, {b.HostName} won {wins[b.HostName]}; " +
                $"start skew between the two units: median {skews[skews.Count / 2]:0.0} ms, max {skews[^1]:0.0} ms");
            // What must overlap is the two acquires trying the lock: each takes 250-600 ms here to
            // start and connect, so units started within a quarter second race for real.
            Assert.True(skews[skews.Count / 2] < 250, $"the barrier did not start the two units together (median skew {skews[skews.Count / 2]:0.0} ms)");
        }
        finally
        {
            File.Delete(barrier);
        }

        // Real boots: both hosts boot at once with the volume in their table.
        string bootLine = Scenario.Line(cluster, volume);
        var bootTimes = new List<double>();
        for (int round = 1; round <= BootRounds; round++)
        {
            var roundClock = Stopwatch.StartNew();
            long roundStart = LockSampler.NowUs();
            Task<BootedHost> bootA = BootedHost.BootAsync(cluster, 1, bootLine);
            Task<BootedHost> bootB = BootedHost.BootAsync(cluster, 2, bootLine);
            await using BootedHost a = await bootA;
            await using BootedHost b = await bootB;
            (BootedHost winner, BootedHost loser) = await OneMountsAsync(a, b, service, round);
            double skew = await AssertTheOtherWaitsAsync(winner, loser, service, volume, roundStart, round);
            output.WriteLine($"boot round {round}: {winner.HostName} mounted, {loser.HostName} waited; the two volumes started {skew:0} ms apart");
            await loser.PowerOffAsync();
            await winner.PowerOffAsync();
            bootTimes.Add(roundClock.Elapsed.TotalSeconds);
        }

        output.WriteLine($"{BootRounds} rounds of simultaneous boots, {bootTimes.Average():0.0} s each; whole test {clock.Elapsed.TotalSeconds:0} s");
    }

    /// <summary>
    /// One host's side of a round: it says it is ready ($2) and blocks opening the FIFO $1;
    /// when the test opens it for writing, both hosts wake at once and start the mount unit.
    /// Then it waits until its volume is mounted or waits for the lock (start-pre, and
    /// "waiting" in the journal since the round began), and prints "mounted" or "waiting" and
    /// the monotonic time (µs) its service began to start.
    /// </summary>
    private const string RaceScript = """
        barrier=$1 ready=$2 service=$3
        # The journal's end (of all units: a unit with no entries yet has no cursor).
        cursor=$(journalctl -n 0 --show-cursor | sed -n 's/^-- cursor: //p')
        touch "$ready"
        read x < "$barrier"
        systemctl start --no-block srv-data.mount
        deadline=$(($(date +%s) + 45))
        while [ "$(date +%s)" -lt $deadline ]; do
          if systemctl is-active --quiet srv-data.mount; then
            result=mounted; break
          fi
          if [ "$(systemctl show -P SubState "$service")" = start-pre ] &&
             journalctl -u "$service" --after-cursor="$cursor" -o cat | grep -q waiting; then
            result=waiting; break
          fi
          sleep 0.05
        done
        echo "${result:-timeout} $(systemctl show -P InactiveExitTimestampMonotonic "$service")"
        """;

    private static string Tail(string journal) => string.Join('\n', journal.Split('\n').TakeLast(60));

    /// <summary>Waits until one of the two waiting hosts mounts (never both); returns their states as the race script would.</summary>
    private async Task<(string A, string B)> SettleAsync(BootedHost a, BootedHost b, string service, int round)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Scenario.StaleAfter + TimeSpan.FromSeconds(20))
        {
            bool mountedA = await Scenario.IsActiveAsync(a, Scenario.MountUnit), mountedB = await Scenario.IsActiveAsync(b, Scenario.MountUnit);
            Assert.False(mountedA && mountedB, $"round {round}: both hosts mounted the volume");
            if (mountedA || mountedB)
            {
                output.WriteLine($"round {round}: both waited; {(mountedA ? a : b).HostName} mounted {clock.Elapsed.TotalSeconds:0.0} s later");
                return (mountedA ? "mounted" : "waiting", mountedB ? "mounted" : "waiting");
            }

            await Task.Delay(200);
        }

        output.WriteLine($"{a.HostName}:\n{await a.JournalAsync(service)}\n{b.HostName}:\n{await b.JournalAsync(service)}");
        return ("waiting", "waiting");
    }

    private static async Task ReleaseBarrierAsync(string barrier, BootedHost[] hosts, string go)
    {
        var clock = Stopwatch.StartNew();
        while (!hosts.All(h => File.Exists(Path.Join(h.EtcCeph, go))))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException("the hosts did not reach the barrier");
            }

            await Task.Delay(10);
        }

        // Each shell opens the FIFO right after its file appears.
        await Task.Delay(100);
        foreach (BootedHost host in hosts)
        {
            File.Delete(Path.Join(host.EtcCeph, go));
        }

        await File.WriteAllTextAsync(barrier, new string('\n', hosts.Length));
    }

    /// <summary>Waits until one host's mount is active; returns it and the other.</summary>
    private static async Task<(BootedHost Winner, BootedHost Loser)> OneMountsAsync(BootedHost a, BootedHost b, string service, int round)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Task<VolumeState> stateA = VolumeState.ReadAsync(a, service);
            Task<VolumeState> stateB = VolumeState.ReadAsync(b, service);
            bool aMounted = (await stateA).Mounted;
            bool bMounted = (await stateB).Mounted;
            Assert.False(aMounted && bMounted, $"round {round}: both hosts mounted the volume");
            if (aMounted || bMounted)
            {
                return aMounted ? (a, b) : (b, a);
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"round {round}: neither host mounted within 60 s; journals:\n{await a.JournalAsync(service)}\n{await b.JournalAsync(service)}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>
    /// The loser's volume is waiting (not mounted, not since the round began); Ceph names the
    /// winner as the only locker; a moment later still so. Returns the start skew of the two
    /// services (ms), from systemd's monotonic timestamps.
    /// </summary>
    private async Task<double> AssertTheOtherWaitsAsync(BootedHost winner, BootedHost loser, string service, string volume, long roundStart, int round)
    {
        VolumeState won = await VolumeState.ReadAsync(winner, service);
        for (int look = 0; look < 2; look++)
        {
            Task<IReadOnlyList<Locker>> lockers = LockSampler.LockersAsync(cluster, volume);
            VolumeState lost = await VolumeState.ReadAsync(loser, service);
            Locker holder = Assert.Single(await lockers);
            Assert.Equal(winner.HostName, holder.Host);
            Assert.False(lost.Mounted, $"round {round}: both hosts mounted the volume");
            Assert.True(lost.MountedAt < roundStart, $"round {round}: {loser.HostName} mounted the volume during the round");
            Assert.True(lost.Service is "activating/start-pre" or "activating/auto-restart",
                $"round {round}: {loser.HostName}'s volume is {lost.Service}, not waiting for the lock");
            if (look == 0)
            {
                await Task.Delay(300);
            }
            else
            {
                return Math.Abs(won.StartedAt - lost.StartedAt) / 1000.0;
            }
        }

        throw new InvalidOperationException("unreachable");
    }

    /// <summary>One host's volume as systemd sees it, in one <c>systemctl show</c>.</summary>
    private sealed record VolumeState(bool Mounted, long MountedAt, string Service, long StartedAt)
    {
        public static async Task<VolumeState> ReadAsync(BootedHost host, string service)
        {
            string text = (await host.SystemctlAsync("show", "--property=ActiveState,SubState,ActiveEnterTimestampMonotonic,InactiveExitTimestampMonotonic",
                Scenario.MountUnit, service)).EnsureSuccess().StdOut;
            var units = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
                .Select(block => block.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                    .Select(l => l.Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal))
                .ToArray();
            Assert.Equal(2, units.Length);
            return new VolumeState(
                units[0]["ActiveState"] == "active",
                long.Parse(units[0]["ActiveEnterTimestampMonotonic"], System.Globalization.CultureInfo.InvariantCulture),
                units[1]["ActiveState"] + "/" + units[1]["SubState"],
                long.Parse(units[1]["InactiveExitTimestampMonotonic"], System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
