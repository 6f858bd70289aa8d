using System;
using System.Threading;
using Rbdfence.Fencing;
using Rbdfence.Fencing.Ceph;
using Rbdfence.Volumes;

namespace Rbdfence.Benchmarks;

/// <summary>
/// <c>--alloc-probe [N]</c>: N acquire+release cycles and N holder checks after a warm-up,
/// counting managed allocations on the calling thread and process-wide separately, to tell
/// an allocation on the hot path from one on a background thread (librados' completion
/// thread entering managed code, tiered JIT), which BenchmarkDotNet's in-process
/// MemoryDiagnoser cannot tell apart.
/// </summary>
internal static class AllocationProbe
{
    public static int Run(int cycles)
    {
        VolumeSpec spec = BenchEnvironment.Image;
        using RadosCluster cluster = RadosCluster.Connect(new CephClientOptions { Conf = BenchEnvironment.CephConf });
        using FencedVolume volume = FencedVolume.Open(cluster, spec, BenchEnvironment.Host, new FenceOptions { Mode = LockMode.Advisory });
        volume.WatchForWaiters(); // as rbdfence hold runs it

        for (int i = 0; i < 2000; i++)
        {
            Cycle(volume);
        }

        Thread.Sleep(200);
        (long thread, long total) = Measure(() =>
        {
            for (int i = 0; i < cycles; i++)
            {
                Cycle(volume);
            }
        });
        Console.WriteLine($"TryAcquire+Release x{cycles}: this thread {thread} B, process-wide {total} B ({(double)total / cycles:F2} B/op)");

        if (volume.TryAcquire().Status != AcquireStatus.Acquired)
        {
            throw new InvalidOperationException("cannot take the lock for the holder check");
        }

        using IoContext io = cluster.OpenPool(spec.Pool, spec.Namespace);
        var guard = new HolderGuard(new HeaderLock(io, volume.HeaderObject), volume.CurrentLease!);
        for (int i = 0; i < 2000; i++)
        {
            guard.Check();
        }

        (long gThread, long gTotal) = Measure(() =>
        {
            for (int i = 0; i < cycles; i++)
            {
                if (guard.Check() != GuardVerdict.Held)
                {
                    throw new InvalidOperationException("lost the lock");
                }
            }
        });
        Console.WriteLine($"HolderGuard.Check x{cycles}: this thread {gThread} B, process-wide {gTotal} B ({(double)gTotal / cycles:F2} B/op)");
        volume.Release();
        return thread == 0 && gThread == 0 ? 0 : 1;
    }

    private static void Cycle(FencedVolume volume)
    {
        if (volume.TryAcquire().Status != AcquireStatus.Acquired || !volume.Release())
        {
            throw new InvalidOperationException("acquire/release failed");
        }
    }

    private static (long Thread, long Total) Measure(Action body)
    {
        long thread0 = GC.GetAllocatedBytesForCurrentThread();
        long total0 = GC.GetTotalAllocatedBytes(precise: true);
        body();
        long thread1 = GC.GetAllocatedBytesForCurrentThread();
        long total1 = GC.GetTotalAllocatedBytes(precise: true);
        return (thread1 - thread0, total1 - total0);
    }
}
