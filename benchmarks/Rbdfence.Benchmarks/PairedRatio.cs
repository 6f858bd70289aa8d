using System;
using System.Diagnostics;
using Rbdfence.Fencing;
using Rbdfence.Fencing.Ceph;

namespace Rbdfence.Benchmarks;

/// <summary>
/// <c>--paired [ROUNDS]</c>: the raw cls_lock floor, rbdfence's acquire+release and rbdfence's
/// lock+unlock without the release notify, interleaved in short blocks (order rotated each
/// round) in one process. On a shared 2-core box the load changes between BenchmarkDotNet's
/// benchmarks, which run one after the other; the median of per-round ratios is the
/// comparison that load drift cannot skew.
/// </summary>
internal static class PairedRatio
{
    private const int Block = 100;

    public static int Run(int rounds)
    {
        var b = new FencingBenchmarks();
        b.SetupRaw();
        var fence = new FencingBenchmarks();
        fence.SetupHeaderLock(); // opens the FencedVolume too
        try
        {
            var actions = new (string Name, Action Cycle)[]
            {
                ("RawClsLockViaExec", () => b.RawClsLockViaExec()),
                ("RbdfenceAcquireRelease", () => fence.RbdfenceAcquireRelease()),
                ("HeaderLockWithoutNotify", () => fence.HeaderLockWithoutNotify()),
            };
            var perOp = new double[actions.Length][];
            for (int a = 0; a < actions.Length; a++)
            {
                perOp[a] = new double[rounds];
                for (int i = 0; i < Block; i++)
                {
                    actions[a].Cycle(); // warm-up
                }
            }

            for (int r = 0; r < rounds; r++)
            {
                for (int k = 0; k < actions.Length; k++)
                {
                    int a = (k + r) % actions.Length;
                    long start = Stopwatch.GetTimestamp();
                    for (int i = 0; i < Block; i++)
                    {
                        actions[a].Cycle();
                    }

                    perOp[a][r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds / Block;
                }
            }

            Console.WriteLine($"paired: {rounds} rounds x {Block} cycles each, interleaved");
            for (int a = 0; a < actions.Length; a++)
            {
                Console.WriteLine($"  {actions[a].Name,-26} median {Median(perOp[a]):F4} ms/op");
            }

            Console.WriteLine($"  rbdfence / raw (median of per-round ratios):           {MedianRatio(perOp[1], perOp[0]):F2}x   target <= 1.2x");
            Console.WriteLine($"  rbdfence without notify / raw (median of ratios):       {MedianRatio(perOp[2], perOp[0]):F2}x");
            return 0;
        }
        finally
        {
            b.Cleanup();
            fence.Cleanup();
        }
    }

    private static double MedianRatio(double[] x, double[] y)
    {
        var ratios = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            ratios[i] = x[i] / y[i];
        }

        return Median(ratios);
    }

    private static double Median(double[] values)
    {
        double[] sorted = (double[])values.Clone();
        Array.Sort(sorted);
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }
}
