using System;
using System.Globalization;

namespace Rbdfence.Fencing;

/// <summary>
/// The identity a holder writes into Ceph so that anyone (rbdfence, <c>rbd lock ls</c>) can
/// read who holds a volume: <c>rbdfence:1:&lt;machine-id&gt;:&lt;boot-id&gt;:&lt;since unix seconds&gt;:&lt;hostname&gt;</c>.
/// Foreign cookies are understood too: the Kubernetes in-tree plugin's
/// <c>kubelet_lock_magic_&lt;hostname&gt;</c>, and anything else (a plain <c>rbd lock add</c>).
/// </summary>
public readonly record struct HolderCookie(HolderKind Kind, string HostName, string MachineId, string BootId, DateTimeOffset? Since)
{
    public const string Prefix = "rbdfence:1:";
    public const string KubeletPrefix = "kubelet_lock_magic_";

    public static HolderCookie For(HostIdentity host, DateTimeOffset since) =>
        new(HolderKind.Rbdfence, host.HostName, host.MachineId, host.BootId, since);

    public static HolderCookie Kubelet(string hostName) =>
        new(HolderKind.Kubelet, hostName, string.Empty, string.Empty, null);

    /// <summary>Reads any lock cookie; never fails (an unknown cookie is a foreign holder).</summary>
    public static HolderCookie Parse(string cookie)
    {
        if (cookie.StartsWith(Prefix, StringComparison.Ordinal))
        {
            string[] parts = cookie[Prefix.Length..].Split(':', 4);
            if (parts.Length == 4 && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out long unix))
            {
                return new(HolderKind.Rbdfence, parts[3], parts[0], parts[1], DateTimeOffset.FromUnixTimeSeconds(unix));
            }
        }

        if (cookie.StartsWith(KubeletPrefix, StringComparison.Ordinal))
        {
            return Kubelet(cookie[KubeletPrefix.Length..]);
        }

        return new(HolderKind.Foreign, string.Empty, string.Empty, string.Empty, null);
    }

    public override string ToString() => Kind switch
    {
        HolderKind.Rbdfence => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{MachineId}:{BootId}:{Since!.Value.ToUnixTimeSeconds()}:{HostName}"),
        HolderKind.Kubelet => KubeletPrefix + HostName,
        _ => throw new InvalidOperationException("a foreign cookie is only read, never written"),
    };

    /// <summary>True when this cookie was written by <paramref name="host"/> in an earlier boot.</summary>
    public bool IsEarlierBootOf(HostIdentity host) =>
        Kind == HolderKind.Rbdfence && MachineId == host.MachineId && BootId != host.BootId;
}

public enum HolderKind
{
    /// <summary>Written by rbdfence: host, machine, boot and since are known.</summary>
    Rbdfence,

    /// <summary>The Kubernetes in-tree RBD plugin's cookie: only the host name is known.</summary>
    Kubelet,

    /// <summary>Anything else, e.g. <c>rbd lock add</c>: only Ceph's locker entity and address are known.</summary>
    Foreign,
}
