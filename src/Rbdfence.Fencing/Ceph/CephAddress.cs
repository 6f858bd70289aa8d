using System;

using Rbdfence.Interop;
namespace Rbdfence.Fencing.Ceph;

/// <summary>Ceph entity addresses: <c>ip:port/nonce</c>, possibly wrapped as <c>[v2:…,v1:…]</c>.</summary>
public static class CephAddress
{
    /// <summary>Picks one plain <c>ip:port/nonce</c> out of an address vector (v1 preferred, like lockers show).</summary>
    public static string Normalize(string addr)
    {
        string s = addr.Trim();
        if (s.StartsWith('[') && s.EndsWith(']'))
        {
            s = s[1..^1];
        }

        string? chosen = null;
        foreach (string part in s.Split(','))
        {
            string p = part.Trim();
            if (p.StartsWith("v1:", StringComparison.Ordinal))
            {
                return p[3..];
            }

            chosen ??= p.StartsWith("v2:", StringComparison.Ordinal) ? p[3..] : p;
        }

        return chosen ?? s;
    }

    /// <summary>
    /// The IP part of <c>[v1:]ip:port/nonce</c> (IPv6 in brackets kept as is), the host a
    /// locker or watcher is on.
    /// </summary>
    public static ReadOnlySpan<char> Host(ReadOnlySpan<char> addr)
    {
        addr = WithoutProtocol(addr);
        int colon = addr.LastIndexOf(':');
        return colon < 0 ? addr : addr[..colon];
    }

    /// <summary>Drops a <c>v1:</c>/<c>v2:</c>/<c>any:</c> prefix: lockers and watchers are reported with one.</summary>
    public static ReadOnlySpan<char> WithoutProtocol(ReadOnlySpan<char> addr) =>
        addr.StartsWith("v1:") || addr.StartsWith("v2:") ? addr[3..] : addr.StartsWith("any:") ? addr[4..] : addr;

    /// <summary>The whole-host blocklist entry for an address: every client of that IP.</summary>
    public static string WholeHost(string addr) => string.Concat(Host(Normalize(addr)), ":0/0");
}
