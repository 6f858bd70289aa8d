using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Rbdfence.Fencing.Ceph;
using Rbdfence.Interop;

namespace Rbdfence.Fencing;

/// <summary>
/// One volume's lock, seen from one host: acquire (fencing a stale holder first), wait,
/// release, status and the operator's break. See FENCING.md "Lock semantics".
/// </summary>
public sealed class FencedVolume : IDisposable
{
    private readonly IoContext _io;
    private readonly RbdImage _image;
    private readonly HeaderLock _lock;
    private readonly LockerList _lockers = new();
    private readonly byte[] _cookieZ;
    private readonly byte[] _headerZ;
    private readonly string _ownAddress;
    private readonly AcquireResult _acquired;
    private readonly AcquireResult _alreadyHeld;

    // True while this very client holds the lock it took: release is then one unlock, with
    // no listing (the acquire/release cycle allocates nothing).
    private bool _heldByThisClient;

    // Set by WatchForWaiters: release then wakes the header's watchers only when some other
    // client has notified since our last wake-up (waiters announce themselves, and again at
    // every retry). Without it every release notifies. -1: the first release always does.
    private HeaderWatch? _waiterWatch;
    private long _notifiesSeen = -1;

    // When each silent holder (client + cookie) was first seen without a watch: the grace
    // period runs from there, across the retries of one wait.
    private readonly Dictionary<string, long> _silentSince = new(StringComparer.Ordinal);

    private FencedVolume(RadosCluster cluster, IoContext io, RbdImage image, VolumeSpec spec, HostIdentity host, FenceOptions options, LockMode mode)
    {
        Cluster = cluster;
        _io = io;
        _image = image;
        Spec = spec;
        Host = host;
        Options = options;
        Mode = mode;
        _lock = new HeaderLock(io, "rbd_header." + image.Id);
        Cookie = options.KubeletCookie ? HolderCookie.Kubelet(host.HostName).ToString() : HolderCookie.For(host, DateTimeOffset.UtcNow).ToString();
        _cookieZ = Utf8.Z(Cookie);
        _headerZ = Utf8.Z(_lock.HeaderObject);
        _ownAddress = cluster.Address;
        _acquired = new AcquireResult(AcquireStatus.Acquired, mode, null, null);
        _alreadyHeld = new AcquireResult(AcquireStatus.AlreadyHeld, mode, null, null);
    }

    private static readonly TimeSpan NotifyTimeout = TimeSpan.FromSeconds(1);

    public RadosCluster Cluster { get; }

    public VolumeSpec Spec { get; }

    public HostIdentity Host { get; }

    public FenceOptions Options { get; }

    /// <summary>The mode in force: <see cref="LockMode.Auto"/> resolved against the image's features.</summary>
    public LockMode Mode { get; }

    /// <summary>The cookie this host writes (with this acquire's since-time).</summary>
    public string Cookie { get; }

    public string HeaderObject => _lock.HeaderObject;

    /// <summary>When the last <see cref="Release"/> let go of the lock, before it woke the waiters.</summary>
    public DateTimeOffset? ReleasedAt { get; private set; }

    /// <summary>
    /// Opens the volume and resolves the mode. Refuses advisory mode on an image with the
    /// exclusive-lock feature: such a lock freezes every librbd/krbd writer (measured).
    /// </summary>
    public static FencedVolume Open(RadosCluster cluster, VolumeSpec spec, HostIdentity host, FenceOptions options)
    {
        if (spec.Snapshot is not null)
        {
            throw new UnsafeCombinationException($"{spec}: a snapshot is read-only and needs no fencing; give the image");
        }

        IoContext io = cluster.OpenPool(spec.Pool, spec.Namespace);
        RbdImage? image = null;
        try
        {
            image = RbdImage.Open(io, spec.Image, readOnly: true);
            bool exclusiveLock = image.HasExclusiveLock;
            LockMode mode = options.Mode switch
            {
                LockMode.Auto => exclusiveLock ? LockMode.Managed : LockMode.Advisory,
                LockMode.Advisory when exclusiveLock => throw new UnsafeCombinationException(
                    $"{spec} has the exclusive-lock feature: an advisory lock on it would block every writer, the holder's own too; " +
                    "use --mode managed (or auto), or disable the feature with 'rbd feature disable " + spec + " exclusive-lock'"),
                LockMode.Managed when !exclusiveLock => throw new UnsafeCombinationException(
                    $"{spec} has no exclusive-lock feature, so there is no managed lock to hold; " +
                    "use --mode advisory (or auto), or enable it with 'rbd feature enable " + spec + " exclusive-lock'"),
                _ => options.Mode,
            };
            return new FencedVolume(cluster, io, image, spec, host, options, mode);
        }
        catch
        {
            image?.Dispose();
            io.Dispose();
            throw;
        }
    }

    /// <summary>
    /// One attempt: take the lock if free, fence a holder that is stale (no watch for longer
    /// than the grace period, or this host's earlier boot) and take it, else report the holder.
    /// </summary>
    public AcquireResult TryAcquire()
    {
        string? fenced = null;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            if (Mode == LockMode.Advisory)
            {
                int rc = _lock.TryLockExclusive(_cookieZ);
                if (rc == 0 || rc == -Errno.EEXIST)
                {
                    _heldByThisClient = true;
                    AcquireResult done = rc == 0 ? _acquired : _alreadyHeld;
                    return fenced is null ? done : done with { Fenced = fenced };
                }

                if (rc != -Errno.EBUSY)
                {
                    throw new CephException($"cannot lock {Spec}", -rc);
                }
            }

            List<Holder> holders = ReadHolders();
            if (holders.Count == 0)
            {
                if (Mode == LockMode.Managed)
                {
                    return new AcquireResult(AcquireStatus.Free, Mode, null, fenced);
                }

                continue; // released between our lock and our look: try again
            }

            Holder holder = holders[0];
            if (holder.Identity.IsCurrentBootOf(Host) && Mode == LockMode.Advisory)
            {
                return new AcquireResult(AcquireStatus.AlreadyHeld, Mode, holder, fenced);
            }

            if (!IsStale(holder))
            {
                return new AcquireResult(AcquireStatus.Contended, Mode, holder, fenced);
            }

            fenced = FenceAndBreak(holder);
        }

        return new AcquireResult(AcquireStatus.Contended, Mode, ReadHolders() is [var h, ..] ? h : null, fenced);
    }

    /// <summary>
    /// Acquires, waiting up to <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/>:
    /// for as long as it takes) for the holder to let go. A watch on the header wakes the wait
    /// the moment the holder releases; a bounded backoff re-checks anyway, for a holder that
    /// dies without a word.
    /// </summary>
    public async Task<AcquireResult> AcquireAsync(TimeSpan timeout, Action<AcquireResult>? onContended, CancellationToken cancel)
    {
        bool forever = timeout == Timeout.InfiniteTimeSpan;
        AcquireResult result = TryAcquire();
        if (result.Status != AcquireStatus.Contended || (timeout <= TimeSpan.Zero && !forever))
        {
            return result;
        }

        using HeaderWatch watch = HeaderWatch.Start(_io, HeaderObject);
        long deadline = forever ? long.MaxValue : Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        TimeSpan backoff = TimeSpan.FromMilliseconds(200);
        onContended?.Invoke(result);
        bool announce = true;
        while (true)
        {
            // Announce this waiter to a holder that wakes waiters only when asked (see
            // WatchForWaiters): on arrival and after every quiet backoff, never in answer to
            // a notify, so that waiters cannot keep waking each other.
            if (announce)
            {
                HeaderWatch.NotifyHeaderUpdate(_io, _headerZ, NotifyTimeout);
            }

            // Look again after arming the watch: a release between the first try and the watch
            // would otherwise be missed until the backoff runs out.
            result = TryAcquire();
            if (result.Status != AcquireStatus.Contended)
            {
                return result;
            }

            TimeSpan left = forever ? TimeSpan.MaxValue : Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (left <= TimeSpan.Zero)
            {
                return result;
            }

            announce = !await watch.WaitAsync(left < backoff ? left : backoff, cancel).ConfigureAwait(false);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
        }
    }

    /// <summary>
    /// Releases this host's lock (this boot's, whichever of its clients took it) and wakes
    /// the waiters. Returns false when this host did not hold it.
    /// </summary>
    public bool Release()
    {
        bool released = false;
        if (_heldByThisClient)
        {
            int rc = _lock.Unlock(_cookieZ);
            _heldByThisClient = false;
            released = rc == 0;
            if (rc < 0 && rc != -Errno.ENOENT)
            {
                throw new CephException($"cannot unlock {Spec}", -rc);
            }
        }
        else if (Mode == LockMode.Advisory)
        {
            // Taken by another process of this host (rbdfence acquire in ExecStartPre).
            foreach (Holder holder in ReadHolders())
            {
                if (!holder.Identity.IsCurrentBootOf(Host) && !(Options.KubeletCookie && holder.Cookie == Cookie))
                {
                    continue;
                }

                int rc = _lock.Break(Utf8.Z(holder.Client), Utf8.Z(holder.Cookie));
                if (rc < 0 && rc != -Errno.ENOENT)
                {
                    throw new CephException($"cannot unlock {Spec}", -rc);
                }

                released = true;
            }
        }

        if (released)
        {
            ReleasedAt = DateTimeOffset.UtcNow;
            long notifies = _waiterWatch?.ForeignNotifies ?? 0;
            if (_waiterWatch is null || notifies != _notifiesSeen)
            {
                _notifiesSeen = notifies;
                HeaderWatch.NotifyHeaderUpdate(_io, _headerZ, NotifyTimeout);
            }
        }

        return released;
    }

    /// <summary>
    /// For a long-lived holder that may acquire and release many times: keep a watch on the
    /// header so that a release skips the wake-up notify (one RADOS op) when no waiter has
    /// announced itself since the last one. Waiters announce on arrival and at every retry.
    /// </summary>
    public void WatchForWaiters() => _waiterWatch ??= HeaderWatch.Start(_io, HeaderObject);

    /// <summary>
    /// Opens the image read-write for the holder: librbd registers a watch on the header,
    /// the liveness beacon that keeps this host's lock from being taken as stale.
    /// </summary>
    public RbdImage OpenForHolding() => RbdImage.Open(_io, Spec.Image, readOnly: false);

    /// <summary>The holder's periodic check for this host's lock (allocation-free).</summary>
    public HolderGuard CreateGuard()
    {
        // The lock may have been taken by another process of this host (ExecStartPre): guard
        // the cookie that is actually there, this boot's.
        foreach (Holder holder in ReadHolders())
        {
            if (holder.Identity.IsCurrentBootOf(Host) || (Options.KubeletCookie && holder.Cookie == Cookie))
            {
                return new HolderGuard(_lock, holder.Cookie);
            }
        }

        return new HolderGuard(_lock, Cookie);
    }

    /// <summary>The operator's override: fence the holder whatever its liveness, and break its lock.</summary>
    public string? Break()
    {
        List<Holder> holders = ReadHolders();
        if (holders.Count == 0)
        {
            return null;
        }

        string fenced = FenceAndBreak(holders[0]);
        HeaderWatch.NotifyHeaderUpdate(_io, _headerZ, NotifyTimeout);
        return fenced;
    }

    /// <summary>Who holds the lock now, with liveness, and who watches the header.</summary>
    public VolumeStatus Status()
    {
        List<Holder> holders = ReadHolders();
        var watchers = new List<string>();
        _image.VisitWatchers(ref watchers, static (ref List<string> list, ReadOnlySpan<byte> address, long id, ulong cookie) =>
            list.Add($"client.{id} {Encoding.UTF8.GetString(address)}"));
        return new VolumeStatus(Spec, Mode, HeaderObject, holders, watchers);
    }

    public void Dispose()
    {
        _waiterWatch?.Dispose();
        HeaderWatch.DrainNotifies(NotifyTimeout + TimeSpan.FromMilliseconds(500));
        _image.Dispose();
        _io.Dispose();
    }

    /// <summary>The lockers of the header lock (advisory or managed), with liveness.</summary>
    internal List<Holder> ReadHolders()
    {
        int count = _lock.ListLockers(_lockers);
        if (count < 0)
        {
            throw new CephException($"cannot list lockers of {Spec}", -count);
        }

        var holders = new List<Holder>(count);
        for (int i = 0; i < count; i++)
        {
            Locker l = _lockers[i];
            string cookie = Encoding.UTF8.GetString(l.Cookie);
            string address = CephAddress.Normalize(Encoding.UTF8.GetString(l.Address));
            holders.Add(new Holder(Encoding.UTF8.GetString(l.Client), cookie, address, HolderCookie.Parse(cookie), HasWatchFrom(address)));
        }

        return holders;
    }

    /// <summary>
    /// Liveness: in advisory mode the lock was taken by one client and the I/O is done by
    /// others of the same host (rbd-fuse, krbd, the holder), so any watch from the holder's
    /// IP counts; in managed mode the owner itself must be watching.
    /// </summary>
    private bool HasWatchFrom(string lockerAddress)
    {
        var probe = new WatchProbe(lockerAddress, _ownAddress, Mode == LockMode.Managed);
        _image.VisitWatchers(ref probe, static (ref WatchProbe p, ReadOnlySpan<byte> address, long id, ulong cookie) => p.Visit(address));
        return probe.Found;
    }

    private bool IsStale(Holder holder)
    {
        if (holder.Identity.IsEarlierBootOf(Host))
        {
            return true; // that boot is gone, whatever watches remain in the OSD's memory
        }

        string key = holder.Client + " " + holder.Cookie;
        if (holder.Live)
        {
            _silentSince.Remove(key);
            return false;
        }

        long now = Stopwatch.GetTimestamp();
        if (!_silentSince.TryGetValue(key, out long since))
        {
            _silentSince[key] = since = now;
        }

        return Stopwatch.GetElapsedTime(since, now) >= Options.Grace;
    }

    /// <summary>Blocklist first, then break: a fenced holder must not write after we take over.</summary>
    private string FenceAndBreak(Holder holder)
    {
        // Advisory mode fences the holder's whole host, except when that host is this one (its
        // earlier boot, or test hosts sharing an address): that entry would fence us as well.
        bool sameHost = CephAddress.Host(holder.Address).SequenceEqual(CephAddress.Host(_ownAddress));
        string target = Mode == LockMode.Advisory && !sameHost ? CephAddress.WholeHost(holder.Address) : CephAddress.Normalize(holder.Address);
        Cluster.Blocklist(target, Options.BlocklistExpiry);
        int rc = _lock.Break(Utf8.Z(holder.Client), Utf8.Z(holder.Cookie));
        if (rc < 0 && rc != -Errno.ENOENT)
        {
            throw new CephException($"cannot break the lock of {holder}", -rc);
        }

        _silentSince.Remove(holder.Client + " " + holder.Cookie);
        return target;
    }

    private struct WatchProbe(string lockerAddress, string ownAddress, bool exact)
    {
        public bool Found;

        public void Visit(ReadOnlySpan<byte> address)
        {
            Span<char> chars = stackalloc char[address.Length];
            int n = Encoding.UTF8.GetChars(address, chars);
            ReadOnlySpan<char> watcher = CephAddress.WithoutProtocol(chars[..n]);
            if (watcher.SequenceEqual(ownAddress))
            {
                return; // our own waiting watch says nothing about the holder
            }

            Found |= exact
                ? watcher.SequenceEqual(lockerAddress)
                : CephAddress.Host(watcher).SequenceEqual(CephAddress.Host(lockerAddress));
        }
    }
}
