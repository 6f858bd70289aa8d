using System;
using Rbdfence.Interop;
using Rbdfence.Linux;

namespace Rbdfence.Fencing.Ceph;

/// <summary>
/// The advisory lock on an image's header object, taken with librados' cls_lock calls
/// directly: one RADOS op each instead of librbd's refresh-and-notify round (0.5 ms against
/// 3.5 ms measured). The lock name is librbd's (<c>rbd_lock</c>), so <c>rbd lock ls</c> shows it
/// and <c>rbd lock add</c> is refused by it.
/// </summary>
public sealed unsafe class HeaderLock
{
    private readonly IoContext _io;
    private readonly byte[] _oid;

    public HeaderLock(IoContext io, string headerObject)
    {
        _io = io;
        HeaderObject = headerObject;
        _oid = Utf8.NulTerminated(headerObject);
    }

    /// <summary><c>rbd_header.&lt;image id&gt;</c>.</summary>
    public string HeaderObject { get; }

    private static ReadOnlySpan<byte> LockName => "rbd_lock\0"u8;

    private static ReadOnlySpan<byte> Empty => "\0"u8;

    /// <summary>
    /// Takes the exclusive lock with <paramref name="cookie"/> (NUL-terminated UTF-8). Returns 0,
    /// <c>-EBUSY</c> when someone else holds it, <c>-EEXIST</c> when this very client already does.
    /// </summary>
    public int TryLockExclusive(ReadOnlySpan<byte> cookie)
    {
        return LibRados.rados_lock_exclusive(_io.Handle, _oid, LockName, cookie, Empty, null, 0);
    }

    /// <summary>Releases this client's lock with <paramref name="cookie"/>; <c>-ENOENT</c> if not held by it.</summary>
    public int Unlock(ReadOnlySpan<byte> cookie)
    {
        return LibRados.rados_unlock(_io.Handle, _oid, LockName, cookie);
    }

    /// <summary>Removes the lock held by (<paramref name="client"/>, <paramref name="cookie"/>), both NUL-terminated.</summary>
    public int Break(ReadOnlySpan<byte> client, ReadOnlySpan<byte> cookie)
    {
        return LibRados.rados_break_lock(_io.Handle, _oid, LockName, client, cookie);
    }

    /// <summary>
    /// Lists the lockers into <paramref name="into"/>: one RADOS op, no allocation unless a
    /// buffer has to grow. Returns the count, or a negative errno (<c>-ESHUTDOWN</c>: blocklisted).
    /// </summary>
    public int ListLockers(LockerList into)
    {
        while (true)
        {
            int exclusive = 0;
            nuint tagLength = (nuint)into.Tag.Length;
            nuint clientsLength = (nuint)into.Clients.Length;
            nuint cookiesLength = (nuint)into.Cookies.Length;
            nuint addrsLength = (nuint)into.Addrs.Length;
            nint rc = LibRados.rados_list_lockers(_io.Handle, _oid, LockName, &exclusive,
                into.Tag, ref tagLength, into.Clients, ref clientsLength, into.Cookies, ref cookiesLength, into.Addrs, ref addrsLength);

            into.TagLength = tagLength;
            into.ClientsLength = clientsLength;
            into.CookiesLength = cookiesLength;
            into.AddrsLength = addrsLength;
            if (rc == -Errno.ERANGE)
            {
                into.Grow();
                continue;
            }

            // No lock object yet reads as no lockers.
            if (rc == -Errno.ENOENT)
            {
                rc = 0;
            }

            into.Count = rc < 0 ? 0 : (int)rc;
            into.Exclusive = exclusive != 0;
            return (int)rc;
        }
    }
}
