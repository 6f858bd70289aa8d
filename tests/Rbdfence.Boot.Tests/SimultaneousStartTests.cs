using System;
using System.Collections.Generic;
using System.Diagnostics;
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
    private const int StartRounds = 100;
    private const int BootRounds = 5;

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
            for (int round = 1; round <= StartRounds; round++)
            {
                var roundClock = Stopwatch.StartNew();
                long roundStart = LockSampler.NowUs();
                string go = $"go-{round}";
                Task<CommandResult> startA = StartAtBarrierAsync(a, barrier, go);
                Task<CommandResult> startB = StartAtBarrierAsync(b, barrier, go);
                await ReleaseBarrierAsync(barrier, [a, b], go);
                (await startA).EnsureSuccess();
                (await startB).EnsureSuccess();

                (BootedHost winner, BootedHost loser) = await OneMountsAsync(a, b, service, round);
                await AssertTheOtherWaitsAsync(winner, loser, service, volume, roundStart, round);
                wins[winner.HostName]++;
                skews.Add(Math.Abs(await a.MonotonicAsync(service, "InactiveExitTimestampMonotonic") - await b.MonotonicAsync(service, "InactiveExitTimestampMonotonic")) / 1000.0);

                (await loser.SystemctlAsync("stop", service)).EnsureSuccess();
                (await winner.SystemctlAsync("stop", service)).EnsureSuccess();
                roundTimes.Add(roundClock.Elapsed.TotalSeconds);
            }

            skews.Sort();
            output.WriteLine($"{StartRounds} rounds of simultaneous starts in {roundTimes.Sum():0} s (a round {roundTimes.Average():0.00} s on average): " +
                $"{a.HostName} won {wins[a.HostName]}, {b.HostName} won {wins[b.HostName]}; " +
                $"start skew between the two units: median {skews[skews.Count / 2]:0.0} ms, max {skews[^1]:0.0} ms");
            Assert.True(skews[skews.Count / 2] < 50, $"the barrier did not start the two units together (median skew {skews[skews.Count / 2]:0.0} ms)");
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
            await AssertTheOtherWaitsAsync(winner, loser, service, volume, roundStart, round);
            output.WriteLine($"boot round {round}: {winner.HostName} mounted, {loser.HostName} waited");
            await loser.PowerOffAsync();
            await winner.PowerOffAsync();
            bootTimes.Add(roundClock.Elapsed.TotalSeconds);
        }

        output.WriteLine($"{BootRounds} rounds of simultaneous boots, {bootTimes.Average():0.0} s each; whole test {clock.Elapsed.TotalSeconds:0} s");
    }

    /// <summary>
    /// Runs, in <paramref name="host"/>, a shell that says it is ready and then blocks opening
    /// the FIFO <paramref name="barrier"/>; when the test opens it for writing, every such
    /// shell wakes at once and starts the mount unit.
    /// </summary>
    private static Task<CommandResult> StartAtBarrierAsync(BootedHost host, string barrier, string go) =>
        host.RunAsync("sh", "-c", $"touch /etc/ceph/{go}; read x < '{barrier}'; exec systemctl start --no-block {Scenario.MountUnit}");

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
            bool aMounted = await Scenario.IsActiveAsync(a, Scenario.MountUnit);
            bool bMounted = await Scenario.IsActiveAsync(b, Scenario.MountUnit);
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
    /// winner as the only locker; a moment later still so.
    /// </summary>
    private async Task AssertTheOtherWaitsAsync(BootedHost winner, BootedHost loser, string service, string volume, long roundStart, int round)
    {
        for (int look = 0; look < 2; look++)
        {
            IReadOnlyList<Locker> lockers = await LockSampler.LockersAsync(cluster, volume);
            Locker holder = Assert.Single(lockers);
            Assert.Equal(winner.HostName, holder.Host);
            Assert.False(await Scenario.IsActiveAsync(loser, Scenario.MountUnit), $"round {round}: both hosts mounted the volume");
            Assert.True(await loser.MonotonicAsync(Scenario.MountUnit, "ActiveEnterTimestampMonotonic") < roundStart,
                $"round {round}: {loser.HostName} mounted the volume during the round");
            string state = await loser.PropertyAsync(service, "ActiveState") + "/" + await loser.PropertyAsync(service, "SubState");
            Assert.True(state is "activating/start-pre" or "activating/auto-restart",
                $"round {round}: {loser.HostName}'s volume is {state}, not waiting for the lock");
            if (look == 0)
            {
                await Task.Delay(300);
            }
        }
    }
}
