using System;
using Rbdfence.Fencing;
using Rbdfence.Volumes;

namespace Rbdfence.Benchmarks;

/// <summary>
/// Where the benchmarks run: the cluster named by <c>CEPH_CONF</c> and an image without the
/// exclusive-lock feature (advisory mode), <c>RBDFENCE_BENCH_IMAGE</c> (default <c>rbd/rbdfence-bench</c>).
/// </summary>
internal static class BenchEnvironment
{
    public static string CephConf =>
        Environment.GetEnvironmentVariable("CEPH_CONF") is { Length: > 0 } conf
            ? conf
            : throw new InvalidOperationException(
                "CEPH_CONF is not set: the fencing benchmarks need a real cluster. " +
                "Run benchmarks/run-fencing-benchmarks.sh (it starts one), or eval \"$(scripts/ceph-cluster up)\" first.");

    public static string ImageSpecText => Environment.GetEnvironmentVariable("RBDFENCE_BENCH_IMAGE") is { Length: > 0 } s ? s : "rbd/rbdfence-bench";

    public static VolumeSpec Image => VolumeSpec.Parse(ImageSpecText);

    /// <summary>A fixed identity: the benchmark host is "bench-host" whatever machine it runs on.</summary>
    public static HostIdentity Host { get; } = new("bench-host", "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210");
}
