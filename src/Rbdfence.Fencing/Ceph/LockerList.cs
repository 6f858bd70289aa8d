using System;

using Rbdfence.Interop;
namespace Rbdfence.Fencing.Ceph;

/// <summary>
/// The buffers <c>rados_list_lockers</c> fills: tag, and NUL-separated clients, cookies and
/// addresses, one entry per locker. Allocated once and reused, so listing lockers on the
/// holder's periodic check allocates nothing; grown only when Ceph says ERANGE.
/// </summary>
public sealed class LockerList
{
    internal byte[] Tag = new byte[256];
    internal byte[] Clients = new byte[1024];
    internal byte[] Cookies = new byte[4096];
    internal byte[] Addrs = new byte[1024];
    internal nuint TagLength;
    internal nuint ClientsLength;
    internal nuint CookiesLength;
    internal nuint AddrsLength;

    /// <summary>How many lockers the last listing returned.</summary>
    public int Count { get; internal set; }

    /// <summary>Whether the lock is exclusive (as opposed to shared).</summary>
    public bool Exclusive { get; internal set; }

    /// <summary>Grows each buffer to at least the length Ceph asked for (after -ERANGE).</summary>
    internal void Grow()
    {
        static void Fit(ref byte[] buffer, nuint wanted)
        {
            if ((nuint)buffer.Length < wanted)
            {
                buffer = new byte[(int)wanted * 2];
            }
        }

        Fit(ref Tag, TagLength);
        Fit(ref Clients, ClientsLength);
        Fit(ref Cookies, CookiesLength);
        Fit(ref Addrs, AddrsLength);
    }

    /// <summary>The <paramref name="index"/>th locker of the last listing.</summary>
    public Locker this[int index] =>
        (uint)index < (uint)Count
            ? new Locker(Nth(Clients, ClientsLength, index), Nth(Cookies, CookiesLength, index), Nth(Addrs, AddrsLength, index))
            : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>
    /// Whether a locker is <paramref name="client"/> at <paramref name="address"/> with a
    /// cookie starting with <paramref name="cookiePrefix"/>, UTF-8 without NUL.
    /// </summary>
    public bool HasClient(ReadOnlySpan<byte> client, ReadOnlySpan<byte> address, ReadOnlySpan<byte> cookiePrefix)
    {
        for (int i = 0; i < Count; i++)
        {
            if (Nth(Clients, ClientsLength, i).SequenceEqual(client) && SameAddress(Nth(Addrs, AddrsLength, i), address) &&
                Nth(Cookies, CookiesLength, i).StartsWith(cookiePrefix))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a locker is exactly (<paramref name="client"/>, <paramref name="cookie"/>), UTF-8 without NUL.</summary>
    public bool Has(ReadOnlySpan<byte> client, ReadOnlySpan<byte> cookie)
    {
        for (int i = 0; i < Count; i++)
        {
            if (Nth(Clients, ClientsLength, i).SequenceEqual(client) && Nth(Cookies, CookiesLength, i).SequenceEqual(cookie))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether the address as Ceph printed it (<c>v1:ip:port/nonce</c>, or a bracketed list
    /// of such) is <paramref name="normalized"/> (as <see cref="CephAddress.Normalize"/>
    /// gives it, the form leases keep), without allocating.
    /// </summary>
    private static bool SameAddress(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> normalized)
    {
        raw = raw.Trim((byte)' ');
        if (raw.Length >= 2 && raw[0] == (byte)'[' && raw[^1] == (byte)']')
        {
            raw = raw[1..^1];
        }

        foreach (Range range in raw.Split((byte)','))
        {
            ReadOnlySpan<byte> part = raw[range].Trim((byte)' ');
            if (part.StartsWith("v1:"u8) || part.StartsWith("v2:"u8))
            {
                part = part[3..];
            }

            if (part.SequenceEqual(normalized))
            {
                return true;
            }
        }

        return false;
    }

    private static ReadOnlySpan<byte> Nth(byte[] buffer, nuint length, int index)
    {
        ReadOnlySpan<byte> rest = buffer.AsSpan(0, (int)Math.Min((nuint)buffer.Length, length));
        for (int i = 0; ; i++)
        {
            int nul = rest.IndexOf((byte)0);
            ReadOnlySpan<byte> item = nul < 0 ? rest : rest[..nul];
            if (i == index)
            {
                return item;
            }

            if (nul < 0)
            {
                return default;
            }

            rest = rest[(nul + 1)..];
        }
    }
}

/// <summary>One locker: its entity (<c>client.4123</c>), cookie and address, as UTF-8.</summary>
public readonly ref struct Locker(ReadOnlySpan<byte> client, ReadOnlySpan<byte> cookie, ReadOnlySpan<byte> address)
{
    public ReadOnlySpan<byte> Client { get; } = client;

    public ReadOnlySpan<byte> Cookie { get; } = cookie;

    public ReadOnlySpan<byte> Address { get; } = address;
}
