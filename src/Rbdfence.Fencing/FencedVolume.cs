using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Rbdfence.Fencing.Ceph;
using Rbdfence.Interop;
using Rbdfence.Linux;
using Rbdfence.Volumes;

namespace Rbdfence.Fencing;

/// <summary>
/// One volume's lock, seen from one host: acquire (fencing a stale holder first), wait,
/// release, status and the operator's break. Every "who holds it, is it us, is it live"
/// question is answered by <see cref="LockDecision.Decide"/>; this class observes and acts.
/// See docs/DESIGN.md.
/// </summary>
public sealed class FencedVolume : IDisposable
{
    private static readonly TimeSpan NotifyTimeout = TimeSpan.FromSeconds(1);

    private readonly IoContext _io;
    private readonly RbdImage _image;
    private readonly HeaderLock _lock;
    private readonly ImageMetadata _metadata;
    private readonly LockerList _lockers = new();
    private readonly byte[] _cookieZ;
    private readonly byte[] _headerZ;
    private readonly string _ownAddress;
    private readonly string _ownClient;
    private readonly string _leasePath;
    private readonly AcquireResult _acquired;

    // True while this very client holds the lock it took: release is then one unlock, with
    // no listing (the acquire/release cycle allocates nothing).
    private bool _heldByThisClient;

    // Set by WatchForWaiters: release then wakes the header's watchers only when some other
    // client has notified since our last wake-up (waiters announce themselves, and again at
    // every retry). Without it every release notifies. -1: the first release always does.
    private HeaderWatch? _waiterWatch;
    private long _notifiesSeen = -1;

    // When each silent locker (client + cookie) was first seen without a watch by this
    // process: its grace period runs from there, across the retries of one acquire.
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
        _metadata = new ImageMetadata(io, _lock.HeaderObject);
        Cookie = options.KubeletCookie ? HolderCookie.Kubelet(host.HostName).ToString() : HolderCookie.For(host, DateTimeOffset.UtcNow).ToString();
        _cookieZ = Utf8.NulTerminated(Cookie);
        _headerZ = Utf8.NulTerminated(_lock.HeaderObject);
        _ownAddress = cluster.Address;
        _ownClient = "client." + cluster.InstanceId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _leasePath = Lease.PathFor(options.StateDirectory, spec);
        _acquired = new AcquireResult(AcquireStatus.Acquired, mode, null, null);
    }

    public RadosCluster Cluster { get; }

    public VolumeSpec Spec { get; }

    public HostIdentity Host { get; }

    public FenceOptions Options { get; }

    /// <summary>The mode in force: <see cref="LockMode.Auto"/> resolved against the image's features.</summary>
    public LockMode Mode { get; }

    /// <summary>The cookie this host writes (with this acquire's since-time).</summary>
    public string Cookie { get; }

    public string HeaderObject => _lock.HeaderObject;

    /// <summary>This host's lease file of the volume.</summary>
    public string LeasePath => _leasePath;

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
    /// One attempt: take the lock if free, fence a holder that is stale (see
    /// <see cref="LockDecision"/>) and take it, else report the holder.
    /// </summary>
    public AcquireResult TryAcquire()
    {
        string? fenced = null;
        LockDecision? last = null;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            if (Mode == LockMode.Advisory)
            {
                int rc = _lock.TryLockExclusive(_cookieZ);
                if (rc == 0 || rc == -Errno.EEXIST)
                {
                    _heldByThisClient = true;
                    AcquireResult done = rc == 0 ? _acquired : new AcquireResult(AcquireStatus.AlreadyHeld, Mode, null, null);
                    return fenced is null ? done : done with { Fenced = fenced };
                }

                if (rc != -Errno.EBUSY)
                {
                    throw new CephException($"cannot lock {Spec}", -rc);
                }
            }

            last = Decide(out byte[]? recordBytes);
            switch (last.Verdict)
            {
                case LockVerdict.Free when Mode == LockMode.Managed:
                    return new AcquireResult(AcquireStatus.Free, Mode, null, fenced);
                case LockVerdict.Free:
                    continue; // released between our lock and our look: try again
                case LockVerdict.Ours:
                    return new AcquireResult(AcquireStatus.AlreadyHeld, Mode, last.Holder, fenced);
                case LockVerdict.Live:
                case LockVerdict.Silent:
                    return new AcquireResult(AcquireStatus.Contended, Mode, last.Holder, fenced) { Reason = last.Reason };
                default:
                    // Not broken: the holder wrote a new record since we looked (a restart on
                    // its lock); look again, with a fresh grace for it.
                    (fenced, _) = FenceAndBreak(last, recordBytes);
                    break;
            }
        }

        return new AcquireResult(AcquireStatus.Contended, Mode, last?.Holder, fenced) { Reason = last?.Reason };
    }

    /// <summary>
    /// Acquires, waiting up to <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/>:
    /// for as long as it takes) for the holder to let go. A watch on the header wakes the wait
    /// the moment the holder releases; a bounded backoff re-checks anyway, for a holder that
    /// dies without a word. A holder seen without a watch is observed for its whole grace
    /// period even when the wait is shorter (or none): a dead holder is fenced, never
    /// reported as "contended" only because this call was brief.
    /// </summary>
    public async Task<AcquireResult> AcquireAsync(TimeSpan timeout, Action<AcquireResult>? onContended, CancellationToken cancel)
    {
        bool forever = timeout == Timeout.InfiniteTimeSpan;
        AcquireResult result = TryAcquire();
        if (result.Status != AcquireStatus.Contended || (timeout <= TimeSpan.Zero && !forever && !Suspect(result.Holder)))
        {
            return result;
        }

        using HeaderWatch watch = HeaderWatch.Start(_io, HeaderObject);
        long start = Stopwatch.GetTimestamp();
        long deadline = forever ? long.MaxValue : start + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        long silentDeadline = start + (long)((Options.Grace.TotalSeconds + 1) * Stopwatch.Frequency);
        TimeSpan backoff = TimeSpan.FromMilliseconds(200);
        onContended?.Invoke(result);
        Holder? told = result.Holder;
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

            // Said again only when the holder is another one (or lost its watch), not every round.
            if (result.Holder is { } holder && (holder.Client != told?.Client || holder.Cookie != told.Cookie || holder.Live != told.Live))
            {
                told = holder;
                onContended?.Invoke(result);
            }

            long until = Suspect(result.Holder) ? Math.Max(deadline, silentDeadline) : deadline;
            TimeSpan left = until == long.MaxValue ? TimeSpan.MaxValue : Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), until);
            if (left <= TimeSpan.Zero)
            {
                return result;
            }

            announce = !await watch.WaitAsync(left < backoff ? left : backoff, cancel).ConfigureAwait(false);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
        }
    }

    /// <summary>
    /// A holder worth observing for the grace period although the caller would not wait: no
    /// watch now, and its lock older than the grace period (a younger one is a holder still
    /// starting: its acquire took the lock, its holder process is on the way). A lock whose
    /// age is unknown (a foreign cookie) counts as old.
    /// </summary>
    private bool Suspect(Holder? holder) =>
        holder is { Live: false } && (holder.Since is not { } since || DateTimeOffset.UtcNow - since >= Options.Grace);

    /// <summary>This host's lease: the one this process took, else the one on disk.</summary>
    public Lease? CurrentLease => _heldByThisClient ? new Lease(Cookie, _ownClient, _ownAddress) : Lease.Read(_leasePath);

    /// <summary>Keeps what this process took in the state directory, for hold and release.</summary>
    public void SaveLease()
    {
        if (_heldByThisClient)
        {
            new Lease(Cookie, _ownClient, _ownAddress).Write(_leasePath);
        }
    }

    /// <summary>
    /// How long an orderly release (a holder's stop, the daemon's, <c>rbdfence release</c>)
    /// retries a transient failure: well within a unit's stop timeout, and giving up only
    /// leaves the lock for a peer to fence.
    /// </summary>
    public static readonly TimeSpan ReleaseRetry = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Releases this host's lock (the one its lease names, whichever of its processes took
    /// it) and wakes the waiters. Returns false when this host did not hold it. Transient
    /// cluster errors are retried for up to <paramref name="retryFor"/>: a release that gives
    /// up leaves the lock to be fenced by a peer after the grace period.
    /// </summary>
    public bool Release(TimeSpan retryFor = default) => Release(retryFor, deleteLease: true);

    /// <summary>
    /// Lets go of the lock this client has just taken for a hold that will not run, and wakes
    /// the waiters, as <see cref="Release(TimeSpan)"/> does, but leaves the lease file alone:
    /// it is not this call's (another request of this host's daemon, over the same client
    /// and cookie, may have written its own meanwhile).
    /// </summary>
    public bool GiveBack(TimeSpan retryFor) => Release(retryFor, deleteLease: false);

    private bool Release(TimeSpan retryFor, bool deleteLease)
    {
        long start = Stopwatch.GetTimestamp();
        TimeSpan backoff = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                return ReleaseOnce(deleteLease);
            }
            catch (CephException e) when (IsTransient(e.Errno) && Stopwatch.GetElapsedTime(start) + backoff < retryFor)
            {
                Thread.Sleep(backoff);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(4).Ticks));
            }
        }
    }

    private bool ReleaseOnce(bool deleteLease)
    {
        bool released = false;
        if (_heldByThisClient)
        {
            int rc = _lock.Unlock(_cookieZ);
            if (rc < 0 && rc != -Errno.ENOENT)
            {
                throw new CephException($"cannot unlock {Spec}", -rc);
            }

            _heldByThisClient = false;
            released = rc == 0;
        }
        else if (Lease.Read(_leasePath) is { } lease)
        {
            // Managed mode: the data path's own unmap released the managed lock, and the
            // kernel does not always tell the header's watchers (a krbd unmap left waiters to
            // find out by polling: 0.1 to 0.6 s in the VM tier). This host let go all the
            // same, and wakes them below (not when the lock is already someone else's: then
            // this host lost it earlier, and let go of nothing now).
            List<LockerInfo> lockers = ReadLockers();
            released = Mode == LockMode.Managed && lockers.All(lease.Matches);
            foreach (LockerInfo locker in lockers)
            {
                if (!lease.Matches(locker))
                {
                    continue;
                }

                // Managed mode: the data path's own unmap released the managed lock; a
                // locker still matching the lease means the device is still mapped, which
                // the caller has ruled out. Advisory: taken by another process of this host.
                int rc = _lock.Break(Utf8.NulTerminated(locker.Client), Utf8.NulTerminated(locker.Cookie));
                if (rc < 0 && rc != -Errno.ENOENT)
                {
                    throw new CephException($"cannot unlock {Spec}", -rc);
                }

                released = true;
            }
        }

        if (deleteLease)
        {
            Lease.Delete(_leasePath);
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

    /// <summary>The header's watchers now (normalized addresses).</summary>
    public List<string> Watchers()
    {
        var watchers = new List<string>();
        _image.VisitWatchers(ref watchers, static (ref List<string> list, ReadOnlySpan<byte> address, long id, ulong cookie) =>
            list.Add(CephAddress.Normalize(Encoding.UTF8.GetString(address))));
        return watchers;
    }

    /// <summary>The header's watches now, as <c>address cookie</c> (a kernel client may hold several).</summary>
    public List<string> WatchKeys()
    {
        var keys = new List<string>();
        _image.VisitWatchers(ref keys, static (ref List<string> list, ReadOnlySpan<byte> address, long id, ulong cookie) =>
            list.Add(CephAddress.Normalize(Encoding.UTF8.GetString(address)) + " " + cookie.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return keys;
    }

    /// <summary>
    /// After the data path is attached: proves that the lock is this host's and records who
    /// does the I/O. Advisory: the locker must be the one this host's lease names. Managed:
    /// the owner must be one of the clients that appeared on this host's address since
    /// <paramref name="watchersBefore"/> (the data path's exclusive map took it); that owner
    /// becomes the lease. The holder record names this process's client and the data path's.
    /// Returns null, with nothing written, when the lock is not ours.
    /// </summary>
    public Lease? ProveHeld(IReadOnlyCollection<string> watchersBefore, TimeSpan settle)
    {
        FaultInjection.PauseBeforeProof();
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            List<LockerInfo> lockers = ReadLockers();
            var dataPath = new List<string>();
            foreach (string key in WatchKeys())
            {
                string w = key[..key.IndexOf(' ', StringComparison.Ordinal)];
                if (w != _ownAddress && !watchersBefore.Contains(key) && !dataPath.Contains(w)
                    && CephAddress.Host(w).SequenceEqual(CephAddress.Host(_ownAddress)))
                {
                    dataPath.Add(w);
                }
            }

            Lease? lease = Mode == LockMode.Advisory
                ? CurrentLease is { } l && lockers.Count == 1 && l.Matches(lockers[0]) ? l : null
                : lockers.Count == 1 && dataPath.Contains(lockers[0].Address) ? new Lease(lockers[0].Cookie, lockers[0].Client, lockers[0].Address) : null;
            bool settled = Mode == LockMode.Managed ? lease is not null : dataPath.Count > 0;
            if (lease is not null && (settled || Stopwatch.GetElapsedTime(start) >= settle))
            {
                // A record that missed the data path's client would let peers fence only the
                // holder and leave a writer running: without one seen, write no record, and
                // peers fall back to fencing this whole host.
                if (settled)
                {
                    var clients = new List<string> { _ownAddress };
                    clients.AddRange(dataPath);
                    var record = new HolderRecord(lease.Cookie, lease.Client, Host.HostName, Host.MachineId, Host.BootId, DateTimeOffset.UtcNow, clients);
                    _metadata.Set(HolderRecord.MetadataKey, record.Format());
                }

                lease.Write(_leasePath);
                return lease;
            }

            if (Stopwatch.GetElapsedTime(start) >= settle)
            {
                return null;
            }

            Thread.Sleep(10);
        }
    }

    /// <summary>The holder's periodic check of <paramref name="lease"/> (allocation-free).</summary>
    public HolderGuard CreateGuard(Lease lease) => new(_lock, lease);

    /// <summary>The operator's override: fence the holder whatever its liveness, and break its lock.</summary>
    public string? Break()
    {
        LockDecision decision = Decide();
        if (decision.Holder is null)
        {
            return null;
        }

        // Live or not (even this host's own): fence what a stale verdict would fence. If the
        // holder writes a new record meanwhile, its new clients are fenced too, on a new look.
        var fenced = new List<string>();
        for (int attempt = 0; attempt < 5; attempt++)
        {
            LockObservation seen = Observe();
            LockDecision forced = LockDecision.Decide(seen with { Watchers = [], Lease = null, SilentFor = Options.Grace });
            if (forced.Holder is null)
            {
                break;
            }

            (string targets, bool broken) = FenceAndBreak(forced, seen.RecordBytes);
            fenced.Add(targets);
            if (broken)
            {
                break;
            }
        }

        HeaderWatch.NotifyHeaderUpdate(_io, _headerZ, NotifyTimeout);
        return fenced.Count == 0 ? null : string.Join(' ', fenced.Distinct());
    }

    /// <summary>Who holds the lock now, with liveness, and who watches the header.</summary>
    public VolumeStatus Status()
    {
        LockObservation o = Observe();
        var holders = new List<Holder>();
        for (int i = 0; i < o.Lockers.Count; i++)
        {
            LockDecision d = LockDecision.Decide(o with { Lockers = [o.Lockers[i]] });
            if (d.Holder is { } h)
            {
                holders.Add(h);
            }
        }

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

    /// <summary>Observes and decides, tracking how long each silent locker has been silent.</summary>
    internal LockDecision Decide() => Decide(out _);

    /// <inheritdoc cref="Decide()"/>
    /// <param name="recordBytes">The holder record as it was read, for <see cref="FenceAndBreak"/>.</param>
    internal LockDecision Decide(out byte[]? recordBytes)
    {
        LockObservation o = Observe();
        recordBytes = o.RecordBytes;
        string key = o.Lockers.Count > 0 ? o.Lockers[0].Client + " " + o.Lockers[0].Cookie : string.Empty;
        long now = Stopwatch.GetTimestamp();
        TimeSpan silentFor = _silentSince.TryGetValue(key, out long since) ? Stopwatch.GetElapsedTime(since, now) : TimeSpan.Zero;
        LockDecision decision = LockDecision.Decide(o with { SilentFor = silentFor });
        switch (decision.Verdict)
        {
            case LockVerdict.Silent:
                _silentSince.TryAdd(key, now);
                break;
            case LockVerdict.Live:
                _silentSince.Remove(key);
                break;
        }

        return decision;
    }

    /// <summary>One look at the volume: lockers, watchers, this host's lease, the holder record.</summary>
    internal LockObservation Observe()
    {
        List<LockerInfo> lockers = ReadLockers();
        HolderRecord? record = null;
        byte[]? recordBytes = null;
        if (lockers.Count > 0)
        {
            try
            {
                recordBytes = _metadata.GetBytes(HolderRecord.MetadataKey);
                record = recordBytes is null ? null : HolderRecord.Parse(Encoding.UTF8.GetString(recordBytes));
            }
            catch (CephException e) when (e.Errno is not Errno.ESHUTDOWN)
            {
                record = null; // unreadable proves nothing: liveness falls back to the host
                recordBytes = LockObservation.UnreadableRecord;
            }
        }

        return new LockObservation
        {
            Mode = Mode,
            Lockers = lockers,
            Watchers = Watchers(),
            Lease = _heldByThisClient ? new Lease(Cookie, _ownClient, _ownAddress) : Lease.Read(_leasePath),
            Record = record,
            RecordBytes = recordBytes,
            Host = Host,
            OwnAddress = _ownAddress,
            Grace = Options.Grace,
        };
    }

    private List<LockerInfo> ReadLockers()
    {
        int count = _lock.ListLockers(_lockers);
        if (count < 0)
        {
            throw new CephException($"cannot list lockers of {Spec}", -count);
        }

        var lockers = new List<LockerInfo>(count);
        for (int i = 0; i < count; i++)
        {
            Locker l = _lockers[i];
            lockers.Add(new LockerInfo(Encoding.UTF8.GetString(l.Client), Encoding.UTF8.GetString(l.Cookie), CephAddress.Normalize(Encoding.UTF8.GetString(l.Address))));
        }

        return lockers;
    }

    /// <summary>
    /// Blocklist first, then break: a fenced holder must not write after we take over. The
    /// break goes through only if the holder record is still the one the decision was made
    /// on (<paramref name="recordBytes"/>, null: none), in the same RADOS op: a holder
    /// restarted on the same lock writes a new record naming clients that were not fenced,
    /// and keeps its lock. An unreadable record cannot be compared: the break is then
    /// unconditional, as the liveness rule fell back to the locker's whole host. Returns
    /// what was blocklisted and whether the lock was broken.
    /// </summary>
    private (string Fenced, bool Broken) FenceAndBreak(LockDecision decision, byte[]? recordBytes)
    {
        Holder holder = decision.Holder!;
        if (!FaultInjection.Skips("skip-blocklist"))
        {
            foreach (string target in decision.FenceTargets)
            {
                Cluster.Blocklist(target, Options.BlocklistExpiry);
            }
        }

        FaultInjection.PauseBeforeBreak();
        // An unreadable record, or a locker that is not an entity name cls_lock's break_lock
        // could be given, cannot be compared: then the break is unconditional.
        bool conditional = !ReferenceEquals(recordBytes, LockObservation.UnreadableRecord) && HeaderLock.TryParseEntity(holder.Client, out _, out _);
        int rc = conditional
            ? _lock.BreakIfUnchanged(holder.Client, holder.Cookie, HolderRecord.OmapKeyUtf8, recordBytes ?? [])
            : _lock.Break(Utf8.NulTerminated(holder.Client), Utf8.NulTerminated(holder.Cookie));

        if (rc < 0 && rc is not -Errno.ENOENT and not -Errno.ECANCELED)
        {
            throw new CephException($"cannot break the lock of {holder}", -rc);
        }

        _silentSince.Remove(holder.Client + " " + holder.Cookie);
        return (string.Join(' ', decision.FenceTargets), rc != -Errno.ECANCELED);
    }

    private static bool IsTransient(int errno) =>
        errno is Errno.ETIMEDOUT or Errno.ECONNREFUSED or Errno.EAGAIN or Errno.EINTR or Errno.ENOTCONN;
}
