using System;
using System.Collections.Generic;
using Rbdfence.Fencing.Ceph;
using Rbdfence.Volumes;

namespace Rbdfence.Fencing;

/// <summary>One locker of the header lock, as Ceph lists it (addresses normalized).</summary>
public sealed record LockerInfo(string Client, string Cookie, string Address);

/// <summary>Everything one look at a volume saw: the input of <see cref="LockDecision.Decide"/>.</summary>
public sealed record LockObservation
{
    public required LockMode Mode { get; init; }

    /// <summary>Lockers of the header lock (advisory, or the managed lock's owner).</summary>
    public required IReadOnlyList<LockerInfo> Lockers { get; init; }

    /// <summary>Watchers of the header, normalized <c>ip:port/nonce</c>.</summary>
    public required IReadOnlyList<string> Watchers { get; init; }

    /// <summary>What this host itself took, from its local state directory; null if nothing.</summary>
    public Lease? Lease { get; init; }

    /// <summary>The holder record in the image metadata; null if none (or unreadable).</summary>
    public HolderRecord? Record { get; init; }

    /// <summary>
    /// The record exactly as stored, for a break conditional on it: null when there is none,
    /// <see cref="UnreadableRecord"/> when it could not be read.
    /// </summary>
    public byte[]? RecordBytes { get; init; }

    /// <summary>The <see cref="RecordBytes"/> of a record that could not be read (a break then cannot be made conditional on it).</summary>
    public static byte[] UnreadableRecord { get; } = [];

    public required HostIdentity Host { get; init; }

    /// <summary>The address of the client making this observation (its own waiting watch says nothing).</summary>
    public required string OwnAddress { get; init; }

    /// <summary>How long this observer has already seen the current locker without a watch.</summary>
    public TimeSpan SilentFor { get; init; }

    public required TimeSpan Grace { get; init; }
}

/// <summary>What the observation means for the volume.</summary>
public enum LockVerdict
{
    /// <summary>Nobody holds the lock.</summary>
    Free,

    /// <summary>The lock is the one this host's lease names (cookie, locker entity and address).</summary>
    Ours,

    /// <summary>Someone else holds it, and one of its clients watches the header.</summary>
    Live,

    /// <summary>Someone else holds it without a watch, for less than the grace period so far.</summary>
    Silent,

    /// <summary>Someone else holds it and is dead: fence <see cref="LockDecision.FenceTargets"/>, then break.</summary>
    Stale,
}

/// <summary>
/// The one rule that decides who holds a volume, whether that is us, and whether the holder
/// is live or stale and whom to fence: a pure function of what was observed, so that every
/// caller (acquire, hold, release, status) and every test reads the same rule.
/// </summary>
public sealed record LockDecision(LockVerdict Verdict, Holder? Holder, IReadOnlyList<string> FenceTargets, string Reason)
{
    private static readonly LockDecision FreeDecision = new(LockVerdict.Free, null, [], "no locker");

    public static LockDecision Decide(LockObservation o)
    {
        ArgumentNullException.ThrowIfNull(o);
        if (o.Lockers.Count == 0)
        {
            return FreeDecision;
        }

        LockerInfo locker = o.Lockers[0];
        HolderCookie identity = HolderCookie.Parse(locker.Cookie);

        // "Ours" is proven by what this host took (its lease), never assumed from a cookie:
        // clones share machine-ids and boot-ids, and hosts of one name share kubelet cookies.
        if (o.Lease is { } lease && lease.Matches(locker))
        {
            return new(LockVerdict.Ours, new Holder(locker.Client, locker.Cookie, locker.Address, identity, Live: true) { Ours = true }, [], "this host's lease");
        }

        // The clients that do this holder's I/O: the locker itself, and those its holder
        // recorded (its own watch, the data path's). A record counts only for this very lock.
        HolderRecord? record = o.Record is { } r && r.Describes(locker) ? r : null;
        var clients = new List<string> { locker.Address };
        if (record is not null)
        {
            foreach (string c in record.Clients)
            {
                if (!clients.Contains(c))
                {
                    clients.Add(c);
                }
            }
        }

        // Without a record, an advisory lock's I/O clients are unknown (another process took
        // the lock): any watch from the locker's IP counts, which can only delay a takeover.
        bool byHost = record is null && o.Mode == LockMode.Advisory;
        bool live = false;
        foreach (string watcher in o.Watchers)
        {
            if (watcher == o.OwnAddress)
            {
                continue;
            }

            live |= byHost
                ? CephAddress.Host(watcher).SequenceEqual(CephAddress.Host(locker.Address))
                : clients.Contains(watcher);
        }

        var holder = new Holder(locker.Client, locker.Cookie, locker.Address, identity, live) { Record = record };
        if (live)
        {
            return new(LockVerdict.Live, holder, [], byHost ? "a client on the holder's host watches the image" : "one of the holder's clients watches the image");
        }

        IReadOnlyList<string> targets = TargetsFor(o, locker, record, clients);
        if (identity.IsEarlierBootOf(o.Host))
        {
            return new(LockVerdict.Stale, holder, targets, "left by an earlier boot of this host, and none of its clients watches");
        }

        return o.SilentFor >= o.Grace
            ? new(LockVerdict.Stale, holder, targets, $"no watch for {o.SilentFor.TotalSeconds:0.#} s (grace {o.Grace.TotalSeconds:0.#} s)")
            : new(LockVerdict.Silent, holder, [], $"no watch for {o.SilentFor.TotalSeconds:0.#} s of the {o.Grace.TotalSeconds:0.#} s grace");
    }

    /// <summary>
    /// Whom to blocklist: the exact clients that can write (the locker and the recorded ones).
    /// Only an advisory lock without a record falls back to the whole host (<c>ip:0/0</c>), since
    /// its writers are unknown, except when that host is the observer's own address.
    /// </summary>
    private static IReadOnlyList<string> TargetsFor(LockObservation o, LockerInfo locker, HolderRecord? record, List<string> clients)
    {
        if (record is not null || o.Mode == LockMode.Managed)
        {
            return clients;
        }

        bool sameHost = CephAddress.Host(locker.Address).SequenceEqual(CephAddress.Host(o.OwnAddress));
        return sameHost ? [locker.Address] : [CephAddress.WholeHost(locker.Address)];
    }
}
