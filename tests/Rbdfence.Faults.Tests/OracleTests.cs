using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;
using Xunit.Abstractions;

namespace Rbdfence.Faults.Tests;

/// <summary>
/// The oracle must be able to fail: two hosts writing the volume, made on purpose by
/// breaking a fence, must be reported. Every scenario's "no violation" means something only
/// because of these.
/// </summary>
[Collection(FaultCluster.Collection)]
public sealed class OracleTests(FaultCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task The_oracle_reports_a_lock_broken_without_a_fence()
    {
        await using FaultRound round = await FaultRound.StartAsync(cluster, output, "oracle-raw-break");
        FaultHost a = cluster.Host(1), b = cluster.Host(2);
        Session first = await round.StartSessionAsync(a, mkfs: true);
        await Task.Delay(1000);

        // The raw cls_lock break (what `rbd lock rm` does minus its blocklist): nobody is fenced.
        JsonElement locker = JsonDocument.Parse((await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", round.Volume)).EnsureSuccess().StdOut)
            .RootElement.EnumerateArray().Single();
        string header = "rbd_header." + JsonDocument.Parse((await cluster.Cluster.RbdAsync("info", "--format", "json", round.Volume)).EnsureSuccess().StdOut)
            .RootElement.GetProperty("id").GetString();
        (await cluster.Cluster.RadosAsync("-p", "rbd", "lock", "break", header, "rbd_lock", locker.GetProperty("locker").GetString()!,
            "--lock-cookie", locker.GetProperty("id").GetString()!)).EnsureSuccess();
        round.FencedAt(a, DateTime.UtcNow);
        round.Faults++;
        round.Log("lock broken with rados lock break, no blocklist");

        Session second = await round.StartSessionAsync(b, mkfs: false);
        await Task.Delay(3000);
        // Not a clean stop: two hosts use the volume, whatever the holder says about it.
        await round.StopSessionAsync(second, clean: false);
        OracleReport report = await round.JudgeAsync();

        Assert.True(report.Violations.Count > 0, "two hosts wrote the volume and the oracle saw nothing");
        Assert.Contains(report.Violations, v => v.Contains("after the host was fenced", StringComparison.Ordinal) || v.StartsWith("double hold", StringComparison.Ordinal));
        _ = first;
    }

    [Fact]
    public async Task The_oracle_reports_a_fence_that_skipped_the_blocklist()
    {
        // Design contract item 6: Debug builds only, fencing breaks the lock without blocklisting.
        string[] fault = ["RBDFENCE_FAULT=skip-blocklist"];
        await using FaultRound round = await FaultRound.StartAsync(cluster, output, "oracle-skip-blocklist");
        FaultHost a = cluster.Host(1), b = cluster.Host(2);
        Session first = await round.StartSessionAsync(a, mkfs: true);
        BackgroundProcess waiter = round.StartWaiter(b, fault);
        await Task.Delay(1000);

        round.Freeze([first.Holder.Pid, first.Writer.Pid, .. round.RbdFuseOn(a)]);
        round.Faults++;
        JsonElement taken = await round.TakeOverAsync(waiter, a, TimeSpan.FromSeconds(60));
        Session second = await round.StartSessionAsync(b, mkfs: false, acquired: true, environment: fault);
        round.Thaw();
        await Task.Delay(4000);
        await round.StopSessionAsync(second, clean: false);
        OracleReport report = await round.JudgeAsync();

        Assert.True(report.Violations.Count > 0,
            $"fencing skipped the blocklist (fenced: {taken.GetProperty("fenced")}) and the oracle saw nothing: is RBDFENCE_FAULT=skip-blocklist implemented?");
    }
}
