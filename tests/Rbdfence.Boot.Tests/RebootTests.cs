using System;
using System.Diagnostics;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace Rbdfence.Boot.Tests;

/// <summary>
/// A host loses power while it holds a volume and boots again (the same machine-id): the
/// lock its earlier life left is taken back, by fencing that life's exact clients, within
/// the watch timeout and the grace; it never waits on itself, and no one else writes between.
/// </summary>
[Collection(BootCluster.Collection)]
public sealed partial class RebootTests(BootCluster cluster, ITestOutputHelper output)
{
    // Booting and mapping again take a few seconds on a loaded machine.
    private static readonly TimeSpan BootSlack = TimeSpan.FromSeconds(20);

    [Trait("Tier", "faults")]
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_host_rebooting_after_a_power_cut_takes_its_own_stale_lock_back(bool sameBootId)
    {
        var clock = Stopwatch.StartNew();
        string volume = await cluster.CreateFormattedImageAsync("reboot");
        string service = BootCluster.InstanceOf(volume);
        string machineId = Guid.NewGuid().ToString("N");
        string firstBoot = Guid.NewGuid().ToString("N");
        string secondBoot = sameBootId ? firstBoot : Guid.NewGuid().ToString("N");
        int index = sameBootId ? 6 : 5;
        await using BootedHost a = await BootedHost.BootAsync(cluster, index, Scenario.Line(cluster, volume),
            new BootOptions { MachineId = machineId, UnitEnvironment = [$"RBDFENCE_BOOT_ID={firstBoot}"] });
        try
        {
            await a.WaitUntilActiveAsync(Scenario.MountUnit, Scenario.BootTimeout, service);
            Writer writer = await Writer.StartAsync(a, Scenario.MountPoint, "a1");
            await writer.WaitForAcksAsync(20, TimeSpan.FromSeconds(30));
            string? record = await cluster.HolderRecordAsync(volume);
            output.WriteLine($"holder record before the power cut: {record ?? "(none)"}");
            Locker before = Assert.Single(await LockSampler.LockersAsync(cluster, volume));
            Assert.Contains(firstBoot, before.Cookie, StringComparison.Ordinal);

            await using LockSampler ceph = LockSampler.Start(cluster, volume);
            long cutAt = LockSampler.NowUs();
            await a.KillAsync();
            await a.BootAgainAsync(new BootOptions { MachineId = machineId, UnitEnvironment = [$"RBDFENCE_BOOT_ID={secondBoot}"] });

            TimeSpan limit = Scenario.StaleAfter + BootSlack;
            await a.WaitUntilActiveAsync(Scenario.MountUnit, limit, service);
            long mountedAt = await a.MonotonicAsync(Scenario.MountUnit, "ActiveEnterTimestampMonotonic");
            double takeover = (mountedAt - cutAt) / 1e6;
            double afterStart = (mountedAt - await a.MonotonicAsync(service, "InactiveExitTimestampMonotonic")) / 1e6;
            output.WriteLine($"{(sameBootId ? "same" : "new")} boot id: mounted again {takeover:0.0} s after the power cut, {afterStart:0.0} s after its volume's unit started " +
                $"(watch timeout {BootCluster.WatchTimeout.TotalSeconds:0} s, grace {Scenario.Grace} s)");
            output.WriteLine(await a.JournalAsync(service));

            // It took its lock back within the watch timeout and the grace (plus mapping and
            // mounting), never waiting on itself as on a live peer.
            Assert.True(afterStart <= Scenario.StaleAfter.TotalSeconds + 10,
                $"the rebooted host mounted {afterStart:0.0} s after its volume's unit started: it waited on its own earlier life");

            // Its new life holds the lock (a new cookie); only this host ever held it meanwhile.
            Locker after = Assert.Single(await LockSampler.LockersAsync(cluster, volume));
            Assert.True(before.Cookie != after.Cookie || before.Address != after.Address,
                $"the new boot took its earlier life's lock over as its own (same locker, {after.Client} {after.Address}, same cookie) instead of fencing it");
            Assert.Contains(machineId, after.Cookie, StringComparison.Ordinal);
            Scenario.AssertSamples(ceph, a.HostName);

            // The earlier life was fenced: its exact clients (the record names them), not the
            // host's address, which its new life uses.
            string blocklist = await cluster.BlocklistAsync();
            output.WriteLine($"blocklist:\n{blocklist}");
            Assert.True(record is not null, "the holder wrote no holder record (rbd image-meta get ... rbdfence.holder)");
            string[] clients = [.. Address().Matches(record).Select(m => m.Value).Where(c => !c.EndsWith(":0/0", StringComparison.Ordinal)).Distinct()];
            Assert.NotEmpty(clients);
            foreach (string client in clients)
            {
                Assert.Contains(client, blocklist, StringComparison.Ordinal);
            }

            Assert.DoesNotContain(cluster.HostAddress(index) + ":0/0", blocklist, StringComparison.Ordinal);

            // Everything its earlier life was told was safe is there, intact.
            int verified = await writer.VerifyAsync(a, Scenario.MountPoint);
            output.WriteLine($"{verified} acknowledged records verified after the reboot; {ceph.Samples.Count} lock samples; scenario {clock.Elapsed.TotalSeconds:0} s");
        }
        finally
        {
            await cluster.ClearBlocklistAsync();
        }
    }

    [GeneratedRegex(@"\d+\.\d+\.\d+\.\d+:\d+/\d+")]
    private static partial Regex Address();
}
