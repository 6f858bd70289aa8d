using System;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Order;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;
using Perfolizer.Metrology;

namespace Rbdfence.Benchmarks;

public static class Program
{
    /// <summary>
    /// <c>--sanity</c>: checks the hand-encoded cls_lock ops against the cluster (lock visible to
    /// <c>rbd lock ls</c> mid-cycle, gone after) and exits. Anything else goes to BenchmarkDotNet.
    /// </summary>
    public static int Main(string[] args)
    {
        try
        {
            _ = BenchEnvironment.CephConf;
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        if (args.Contains("--sanity"))
        {
            return SanityCheck.Run();
        }

        if (args.Length > 0 && args[0] == "--paired")
        {
            return PairedRatio.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 40);
        }

        if (args.Length > 0 && args[0] == "--alloc-probe")
        {
            return AllocationProbe.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5000);
        }

        // A shared, noisy 2-core box: a fixed, modest number of iterations instead of
        // BenchmarkDotNet's adaptive (and long) default; compare ratios within one run only.
        // In-process: no generated project to build, and each benchmark's own GlobalSetup
        // connects only the clients that benchmark uses.
        Job job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(int.TryParse(Environment.GetEnvironmentVariable("RBDFENCE_BENCH_ITERATIONS"), out int n) ? n : 30)
            .WithIterationTime(TimeInterval.FromMilliseconds(500))
            .WithId("Noisy2Core");
        IConfig config = DefaultConfig.Instance
            .AddJob(job)
            .WithOrderer(new DefaultOrderer(SummaryOrderPolicy.Declared))
            .WithSummaryStyle(SummaryStyle.Default.WithTimeUnit(TimeUnit.Millisecond).WithSizeUnit(SizeUnit.B))
            .AddColumn(StatisticColumn.Median);
        if (Environment.GetEnvironmentVariable("RBDFENCE_BENCH_ARTIFACTS") is { Length: > 0 } artifacts)
        {
            config = config.WithArtifactsPath(artifacts);
        }

        BenchmarkSwitcher.FromTypes([typeof(FencingBenchmarks)]).Run(args, config);
        return 0;
    }
}
