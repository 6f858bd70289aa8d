using System;

namespace Rbdfence.Holding;

/// <summary>How the holder guards its volume.</summary>
public sealed record HoldOptions
{
    /// <summary>How often the guard checks that the lock is still ours and we are not fenced.</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Where the stable device link goes (the mount unit's <c>What=</c>), e.g.
    /// <c>/run/rbdfence/dev/rbd-vol1</c>; null for none.
    /// </summary>
    public string? DeviceLink { get; init; }

    /// <summary>How long, after mapping, the holder waits to see the data path's watch (and in managed mode its lock).</summary>
    public TimeSpan SettleTime { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The unit's acquire took the lock before the hold began, and the hold may run while
    /// the unit stops (the shared daemon serves a request its unit has meanwhile given up):
    /// the hold re-asserts the lock and never takes a free one.
    /// </summary>
    public bool AcquiredBeforeHold { get; init; }
}
