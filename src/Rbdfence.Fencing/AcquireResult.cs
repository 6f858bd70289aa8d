using Rbdfence.Volumes;

namespace Rbdfence.Fencing;

/// <summary>What an acquire attempt ended with.</summary>
public enum AcquireStatus
{
    /// <summary>This call took the lock.</summary>
    Acquired,

    /// <summary>This host's current boot already held it (acquire is idempotent).</summary>
    AlreadyHeld,

    /// <summary>Managed mode: no live peer owns the lock; the data path's exclusive map takes it.</summary>
    Free,

    /// <summary>A live peer holds it (or a silent one whose grace period has not run out).</summary>
    Contended,
}

/// <summary>The outcome of an acquire, with the holder it was contended by and any host it fenced.</summary>
public sealed record AcquireResult(AcquireStatus Status, LockMode Mode, Holder? Holder, string? Fenced)
{
    /// <summary>Why the holder counts as live or not yet stale, for the contended message.</summary>
    public string? Reason { get; init; }

    /// <summary>
    /// This host may map the volume now: it holds the lock (advisory), or no live peer owns it
    /// and the exclusive map itself takes it (managed). False only when contended.
    /// </summary>
    public bool MayMap => Status is AcquireStatus.Acquired or AcquireStatus.AlreadyHeld or AcquireStatus.Free;
}
