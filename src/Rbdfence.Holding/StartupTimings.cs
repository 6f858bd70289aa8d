using System;
using System.Diagnostics;

namespace Rbdfence.Holding;

/// <summary>
/// Where a holder's start-up went, for its "held by this host" line and STATUS=: the CLI
/// stamps the runtime (process start to the verb), connect and open; <see cref="VolumeHolder"/>
/// adds the hosting's build, the lock, the image's read-write open and the map.
/// </summary>
/// <param name="Runtime">Process start (the kernel's clock-tick resolution, 10 ms) to the verb's first line: runtime start, Main, parsing.</param>
/// <param name="VerbStartedAt">The <see cref="Stopwatch"/> timestamp at the verb's first line.</param>
/// <param name="Connect">RadosCluster.Connect.</param>
/// <param name="Open">FencedVolume.Open.</param>
/// <param name="OpenedAt">The <see cref="Stopwatch"/> timestamp after the open.</param>
public sealed record StartupTimings(TimeSpan Runtime, long VerbStartedAt, TimeSpan Connect, TimeSpan Open, long OpenedAt)
{
    /// <summary>No stamps from the caller: only the holder's own phases are meaningful.</summary>
    public static StartupTimings None { get; } = new(TimeSpan.Zero, Stopwatch.GetTimestamp(), TimeSpan.Zero, TimeSpan.Zero, Stopwatch.GetTimestamp());
}
