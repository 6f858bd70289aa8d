using System;

namespace Rbdfence.Fencing;

/// <summary>One lock holder as anyone can read it from Ceph.</summary>
public sealed record Holder(string Client, string Cookie, string Address, HolderCookie Identity, bool Live)
{
    /// <summary>The holder's record in the image metadata, when it wrote one for this lock.</summary>
    public HolderRecord? Record { get; init; }

    /// <summary>This host's own lock: proven by its lease (<see cref="LockVerdict.Ours"/>), never by the cookie.</summary>
    public bool Ours { get; init; }

    /// <summary>The host to name in messages: from the cookie when it names one, else the address.</summary>
    public string HostName =>
        Identity.HostName.Length > 0 ? Identity.HostName : Record is { HostName.Length: > 0 } r ? r.HostName : CephAddressHost;

    /// <summary>Since when it holds: from the cookie, else from its record (managed mode's cookie says nothing).</summary>
    public DateTimeOffset? Since => Identity.Since ?? Record?.Since;

    private string CephAddressHost => Ceph.CephAddress.Host(Address).ToString();

    public override string ToString() =>
        $"{HostName} ({Client} at {Address}{(Since is { } s ? $", since {s:yyyy-MM-dd HH:mm:ss}Z" : string.Empty)}, {(Live ? "live" : "no watch")})";
}
