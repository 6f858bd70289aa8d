using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;
using Xunit.Abstractions;

namespace Rbdfence.Boot.Tests;

/// <summary>
/// Once a file system is mounted, systemd orders its mount unit from what the kernel's
/// mountinfo and /run/mount/utab say of it, not only from the unit file. A volume's mount
/// seen without its <c>_netdev</c> option (mounted by hand, or its utab entry written late:
/// one run in four with 50 volumes at boot) was taken for a local file system and ordered
/// before local-fs.target; at power-off that closed an ordering cycle through the volume's
/// own service, and systemd broke it by deleting the service's stop job. The volume was
/// then never unmapped or released in order: the shared daemon stopped under it and its
/// lock stayed on a dead client.
/// </summary>
[Collection(BootCluster.Collection)]
public sealed class MountOrderTests(BootCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task A_mount_seen_without_its_netdev_option_is_still_released_in_order_at_power_off()
    {
        string volume = await cluster.CreateFormattedImageAsync("netdev");
        string service = BootCluster.InstanceOf(volume);
        BootedHost a = await BootedHost.BootAsync(cluster, 1, Scenario.Line(cluster, volume), new BootOptions { KeepJournal = true });
        await using (a)
        {
            await a.WaitUntilActiveAsync(Scenario.MountUnit, Scenario.BootTimeout, service);

            // Mounted again by hand, without options and without utab: what systemd reads back
            // is a plain ext4 mount.
            (await a.RunAsync("sh", "-c", $"dev=$(findmnt -n -o SOURCE {Scenario.MountPoint}) && umount {Scenario.MountPoint} && mount -n \"$dev\" {Scenario.MountPoint}")).EnsureSuccess();
            await a.WaitForAsync("systemd seeing the hand-made mount", Scenario.BootTimeout,
                ["sh", "-c", $"systemctl is-active -q {Scenario.MountUnit} && ! systemctl show -P Options {Scenario.MountUnit} | grep -q _netdev"], Scenario.MountUnit);
            string before = await a.PropertyAsync(Scenario.MountUnit, "Before");
            output.WriteLine($"{Scenario.MountUnit} Before={before}");
            Assert.DoesNotContain("local-fs.target", before.Split(' '));

            // Power-off: the mount stops, then its service (unmap, release), with no cycle.
            await a.PowerOffAsync();
            string[] cycle = (await a.KeptJournalAsync()).Split('\n')
                .Where(l => l.Contains("ordering cycle", StringComparison.Ordinal) || l.Contains("Found dependency on", StringComparison.Ordinal) || l.Contains("to break ordering cycle", StringComparison.Ordinal))
                .ToArray();
            Assert.True(cycle.Length == 0, "systemd found an ordering cycle at power-off:\n" + string.Join('\n', cycle));
            // The service's own stop job ran (a job deleted to break a cycle never says "Stopping").
            string stopped = await a.KeptJournalAsync(service);
            Assert.True(stopped.Contains("Stopping ", StringComparison.Ordinal), $"no stop job ran for {service}; its journal:\n{stopped}");
            using JsonDocument locks = JsonDocument.Parse((await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", volume)).EnsureSuccess().StdOut);
            Assert.True(locks.RootElement.GetArrayLength() == 0, $"{volume} kept its lock after power-off: {locks.RootElement}; journal:\n{await a.KeptJournalAsync(service, Scenario.MountUnit)}");
        }
    }
}
