using System.Collections.Generic;
using Rbdfence.Volumes;

namespace Rbdfence.Table;

/// <summary>
/// One validated line of the volume table: everything the unit writer needs, already
/// checked (no control characters, names systemd accepts, options it understands). The
/// parser makes it field by field, each step a copy with one more thing (<c>with</c>).
/// </summary>
public sealed record VolumeEntry
{
    /// <summary>1-based line number in the table, for messages.</summary>
    public required int Line { get; init; }

    /// <summary>The volume as rbd spells it: <c>pool[/namespace]/image</c>.</summary>
    public string Spec { get; init; } = string.Empty;

    /// <summary>The mount point, simplified (no duplicate or trailing slashes, no <c>.</c>).</summary>
    public string MountPoint { get; init; } = string.Empty;

    public string FsType { get; init; } = string.Empty;

    /// <summary>Mount options for <c>Options=</c>: the table's, minus the ones systemd and rbdfence consume.</summary>
    public IReadOnlyList<string> MountOptions { get; init; } = [];

    public bool NoFail { get; init; }

    public bool NoAuto { get; init; }

    public bool ReadOnly { get; init; }

    /// <summary><c>x-systemd.requires=</c> unit names: <c>Requires=</c> + <c>After=</c> on the volume's service.</summary>
    public IReadOnlyList<string> Requires { get; init; } = [];

    /// <summary><c>x-systemd.requires=</c> absolute paths and <c>x-systemd.requires-mounts-for=</c>: <c>RequiresMountsFor=</c>.</summary>
    public IReadOnlyList<string> RequiresMountsFor { get; init; } = [];

    /// <summary><c>x-systemd.after=</c>: <c>After=</c> on the volume's service (the mount follows it).</summary>
    public IReadOnlyList<string> After { get; init; } = [];

    /// <summary><c>x-systemd.before=</c>: <c>Before=</c> on the mount unit.</summary>
    public IReadOnlyList<string> Before { get; init; } = [];

    /// <summary><c>x-systemd.wanted-by=</c>: the mount unit is linked into these units' <c>.wants/</c>.</summary>
    public IReadOnlyList<string> WantedBy { get; init; } = [];

    /// <summary><c>x-systemd.required-by=</c>: the mount unit is linked into these units' <c>.requires/</c>.</summary>
    public IReadOnlyList<string> RequiredBy { get; init; } = [];

    /// <summary>Ceph user (<c>--id</c>), or null for rbdfence's default.</summary>
    public string? Id { get; init; }

    public string? Keyring { get; init; }

    public string? Conf { get; init; }

    public LockMode Mode { get; init; } = LockMode.Auto;

    /// <summary>Seconds <c>acquire --wait</c> waits for a live holder; null waits forever (the default).</summary>
    public string? WaitSeconds { get; init; }

    public MapBackend Backend { get; init; } = MapBackend.Krbd;

    /// <summary>Seconds without a watch before a holder is stale (<c>--grace</c>), or null for rbdfence's default.</summary>
    public string? GraceSeconds { get; init; }

    /// <summary>Whole seconds a fenced holder stays blocklisted (<c>--blocklist-expiry</c>), or null for rbdfence's default.</summary>
    public string? BlocklistExpirySeconds { get; init; }

    /// <summary>Lock under the Kubernetes in-tree plugin's cookie (<c>cookie=kubelet</c>, <c>--kubelet-cookie</c>).</summary>
    public bool KubeletCookie { get; init; }

    /// <summary>
    /// Held through the host's shared cluster connection (<c>connection=shared</c>: the
    /// rbdfence daemon, <c>rbdfenced.service</c>) instead of a connection of its own.
    /// </summary>
    public bool SharedConnection { get; init; }
}
