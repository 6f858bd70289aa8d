using System;

namespace Rbdfence.Fencing;

/// <summary>One lock holder as anyone can read it from Ceph.</summary>
public sealed record Holder(string Client, string Cookie, string Address, HolderCookie Identity, bool Live)
{
    /// <summary>The host to name in messages: from the cookie when it names one, else the address.</summary>
    public string HostName => Identity.HostName.Length > 0 ? Identity.HostName : CephAddressHost;

    private string CephAddressHost => Ceph.CephAddress.Host(Address).ToString();

    public override string ToString() =>
        $"{HostName} ({Client} at {Address}{(Identity.Since is { } s ? $", since {s:yyyy-MM-dd HH:mm:ss}Z" : string.Empty)}, {(Live ? "live" : "no watch")})";
}
