using System;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace Rbdfence.Boot.Tests;

/// <summary>What the fault scenarios share: one volume at /srv/data, a short grace, the checks.</summary>
internal static class Scenario
{
    public const string MountPoint = "/srv/data";
    public const string MountUnit = "srv-data.mount";

    /// <summary>The table's <c>grace=</c>: seconds a silent holder keeps its lock.</summary>
    public const int Grace = 3;

    public static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(90);

    /// <summary>How long a dead holder can look alive: its watch lingers, then the grace runs.</summary>
    public static TimeSpan StaleAfter => BootCluster.WatchTimeout + TimeSpan.FromSeconds(Grace);

    public static string Line(BootCluster cluster, string volume, string mountOptions = "defaults") =>
        cluster.TableLine(volume, MountPoint, mountOptions, options: $"grace={Grace}");

    /// <summary>Waits until <paramref name="host"/>'s volume waits for the lock (start-pre, "waiting" in its journal).</summary>
    public static Task WaitUntilWaitingAsync(BootedHost host, string service, TimeSpan timeout) =>
        host.WaitForAsync("the volume waiting for the lock", timeout,
            ["sh", "-c", $"systemctl show -P SubState '{service}' | grep -qx start-pre && journalctl -b -u '{service}' | grep -q waiting"], service);

    /// <summary>True when <paramref name="unit"/> on <paramref name="host"/> is active.</summary>
    public static async Task<bool> IsActiveAsync(BootedHost host, string unit) =>
        (await host.SystemctlAsync("is-active", "--quiet", unit)).Succeeded;

    /// <summary>True when the kernel has a file system mounted at the mount point on <paramref name="host"/> (whatever systemd thinks).</summary>
    public static async Task<bool> IsMountedAsync(BootedHost host) =>
        (await host.RunAsync("findmnt", "--noheadings", MountPoint)).Succeeded;

    /// <summary>
    /// The double-writer oracle: <paramref name="writer"/>'s host must have had no record
    /// acknowledged once <paramref name="other"/> had mounted the volume (one kernel, one
    /// CLOCK_MONOTONIC: the writer's acknowledgement times and systemd's timestamps compare).
    /// </summary>
    public static async Task AssertNoWriteAfterMountAsync(Writer writer, BootedHost other)
    {
        long mountedAt = await other.MonotonicAsync(MountUnit, "ActiveEnterTimestampMonotonic");
        if (mountedAt == 0)
        {
            return;
        }

        var late = writer.Acknowledged().Where(a => a.AckedAtUs >= mountedAt).ToList();
        if (late.Count > 0)
        {
            Assert.Fail($"two writers: {late.Count} records of {writer.Tag} were acknowledged after {other.HostName} mounted the volume " +
                $"(first: #{late[0].Seq}, {(late[0].AckedAtUs - mountedAt) / 1000} ms after)");
        }
    }

    /// <summary>Ceph's view never showed two lockers, nor a locker other than <paramref name="hosts"/>.</summary>
    public static void AssertSamples(LockSampler ceph, params string[] hosts)
    {
        Assert.True(ceph.Samples.Count > 0, "no sample of rbd lock ls was taken");
        Assert.True(ceph.Samples.All(s => s.Lockers.Count <= 1), "rbd lock ls showed two lockers at once:\n" + ceph.Describe());
        Assert.True(ceph.Samples.All(s => s.Lockers.All(l => hosts.Contains(l.Host))),
            $"rbd lock ls showed a locker other than {string.Join(", ", hosts)}:\n" + ceph.Describe());
    }
}
