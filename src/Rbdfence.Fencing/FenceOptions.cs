using System;
using Rbdfence.Volumes;

namespace Rbdfence.Fencing;

/// <summary>Per-volume fencing settings.</summary>
public sealed record FenceOptions
{
    public LockMode Mode { get; init; } = LockMode.Auto;

    /// <summary>
    /// How long a holder may be without a watch on the header before it is stale. Above
    /// Ceph's osd_client_watch_timeout (30 s) by default, so a holder that is only slow to
    /// renew its watch is never fenced.
    /// </summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>How long a fenced host stays blocklisted.</summary>
    public TimeSpan BlocklistExpiry { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Where this host keeps its leases (<see cref="Lease"/>): local, gone after a reboot.</summary>
    public string StateDirectory { get; init; } = Lease.StateDirectory;

    /// <summary>Write the Kubernetes in-tree plugin's cookie (<c>kubelet_lock_magic_&lt;host&gt;</c>), for mixed fleets.</summary>
    public bool KubeletCookie { get; init; }
}
