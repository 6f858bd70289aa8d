using System;
using Rbdfence.Fencing.Ceph;
using Rbdfence.Linux;

namespace Rbdfence.Fencing;

/// <summary>What the holder's periodic check found.</summary>
public enum GuardVerdict
{
    /// <summary>The lock is still this holder's.</summary>
    Held,

    /// <summary>The lock is gone or someone else's: it was broken.</summary>
    Lost,

    /// <summary>This client is blocklisted: the host was fenced.</summary>
    Fenced,

    /// <summary>The check itself failed (the cluster is unreachable); not yet a verdict.</summary>
    Unknown,
}

/// <summary>
/// The holder's periodic "is the lock still mine, am I fenced?" check: one RADOS op
/// (<c>lock.get_info</c> on the header) into preallocated buffers, compared as UTF-8 bytes
/// with the lease: the locker entity and the cookie, the pair Ceph identifies a lock by
/// (the kernel's cookie is the same on every host, so a cookie alone says nothing). A
/// managed lock (<see cref="Lease.ManagedCookiePrefix"/>) is the client's, entity and
/// address, whatever its cookie: the kernel sets a new one when it re-registers its watch
/// after a stall, which is not a lost lock. This is the hot path: it allocates nothing on
/// the managed heap.
/// </summary>
public sealed class HolderGuard
{
    private readonly HeaderLock _lock;
    private readonly LockerList _lockers = new();
    private readonly byte[] _client;
    private readonly byte[] _cookie;
    private readonly byte[] _address;
    private readonly bool _managed;

    public HolderGuard(HeaderLock headerLock, Lease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        _lock = headerLock;
        _client = Utf8.NulTerminated(lease.Client)[..^1];
        _cookie = Utf8.NulTerminated(lease.Cookie)[..^1];
        _address = Utf8.NulTerminated(lease.Address)[..^1];
        _managed = Lease.IsManaged(lease.Cookie);
    }

    /// <summary>The negative errno of the last <see cref="GuardVerdict.Unknown"/>, for the log line.</summary>
    public int LastError { get; private set; }

    public GuardVerdict Check()
    {
        int rc = _lock.ListLockers(_lockers);
        if (rc == -Errno.ESHUTDOWN)
        {
            return GuardVerdict.Fenced;
        }

        if (rc < 0)
        {
            LastError = rc;
            return GuardVerdict.Unknown;
        }

        bool held = _managed
            ? _lockers.HasClient(_client, _address, Lease.ManagedCookiePrefixUtf8)
            : _lockers.Has(_client, _cookie);
        return held ? GuardVerdict.Held : GuardVerdict.Lost;
    }
}
