using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;
using Xunit.Abstractions;

namespace Rbdfence.Fencing.ClusterTests;

/// <summary>
/// Stale holders: fenced (blocklisted) first, then broken, then taken over — after the
/// grace period, never before — and a fenced host's I/O really stops.
/// </summary>
[Collection(MultiHostCluster.Collection)]
public sealed class FencingTests(MultiHostCluster cluster, ITestOutputHelper output)
{
    private const string Grace = "3";

    [Fact]
    public async Task A_killed_holder_is_fenced_after_the_grace_period_and_its_writer_is_cut_off()
    {
        string volume = await cluster.CreateImageAsync("killed");
        TestHost victim = cluster.Host(4), taker = cluster.Host(2);
        string dataObject = await FirstDataObjectAsync(volume);

        (await victim.RbdfenceAsync("acquire", volume)).EnsureSuccess();
        // The victim's process that keeps the image open: its watch is the host's liveness.
        await using BackgroundProcess watch = victim.Start("dotnet", BuiltTools.Probe, "hold", cluster.Cluster.ConfPath, "rbd", volume["rbd/".Length..], "300");
        await using BackgroundProcess writer = victim.Start("dotnet", BuiltTools.Probe, "write-loop", cluster.Cluster.ConfPath, "rbd", dataObject, "victim", "90");
        await WaitUntilAsync(async () => HolderIsLive(await taker.RbdfenceAsync("status", volume, "--json")), "the victim's watch to show");

        CommandResult early = await taker.RbdfenceAsync("acquire", volume, "--grace", Grace);
        Assert.Equal(75, early.ExitCode); // live: never broken automatically

        await using BackgroundProcess waiter = taker.StartRbdfence("acquire", volume, "--wait", "120", "--grace", Grace, "--json");
        await waiter.WaitForStdErrAsync("waiting", TimeSpan.FromSeconds(60));
        var sinceKill = Stopwatch.StartNew();
        watch.Kill();

        (int code, string stdout, string stderr) = await waiter.WaitAsync(TimeSpan.FromSeconds(120));
        TimeSpan takeover = sinceKill.Elapsed;
        Assert.True(code == 0, $"taker exited {code}: {stderr}");
        JsonElement result = JsonResult.Parse(stdout);
        Assert.Equal("acquired", result.Text("result"));
        Assert.Equal(victim.WholeHostEntry, result.Text("fenced"));
        Assert.True(takeover >= TimeSpan.FromSeconds(double.Parse(Grace, CultureInfo.InvariantCulture)), $"taken over {takeover} after the kill: before the grace period");
        output.WriteLine($"killed holder taken over {takeover.TotalSeconds:0.0} s after SIGKILL (watch timeout {MultiHostCluster.WatchTimeoutSeconds} s + grace {Grace} s)");

        string blocklist = (await cluster.Cluster.CephAsync("osd", "blocklist", "ls")).EnsureSuccess().StdOut;
        Assert.Contains(victim.WholeHostEntry, blocklist, StringComparison.Ordinal);

        // The victim's writer kept running behind the blocklist: once its writes fail, none
        // succeeds again, and the image holds exactly its last successful write.
        // Until it has tried five more writes after its first failure (100 ms apart; an op
        // times out after 5 s), so that a write succeeding again would show.
        await writer.WaitForOutputAsync(
            (stdout, _) => stdout.Split('\n').SkipWhile(l => !l.Contains(" -", StringComparison.Ordinal)).Count(l => l.Length > 0) > 5,
            TimeSpan.FromSeconds(60),
            "five writes after the first failed one");
        writer.Kill();
        (_, string writes, _) = await writer.WaitAsync(TimeSpan.FromSeconds(10));
        (int N, int Rc)[] log = writes.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')).Select(p => (int.Parse(p[0], CultureInfo.InvariantCulture), int.Parse(p[1], CultureInfo.InvariantCulture))).ToArray();
        int firstFailure = Array.FindIndex(log, w => w.Rc < 0);
        Assert.True(firstFailure > 0, $"the fenced writer never failed: {writes}");
        Assert.DoesNotContain(log[firstFailure..], w => w.Rc == 0);
        int lastSuccess = log[..firstFailure].Last().N;
        string onImage = (await taker.RunAsync("rados", "-p", "rbd", "get", dataObject, "-")).EnsureSuccess().StdOut;
        Assert.Equal($"victim-{lastSuccess:D6}", onImage.TrimEnd('\0'));

        (await taker.RbdfenceAsync("release", volume)).EnsureSuccess();
        await cluster.Cluster.CephAsync("osd", "blocklist", "rm", victim.WholeHostEntry);
    }

    [Fact]
    public async Task A_stuck_rbd_lock_add_lock_is_fenced_and_taken_over_after_the_grace_period()
    {
        string volume = await cluster.CreateImageAsync("stuck");
        TestHost kubelet = cluster.Host(5), taker = cluster.Host(3);

        // The Kubernetes in-tree plugin's classic leftover: a lock whose owner is gone and
        // which nobody watches.
        (await kubelet.RunAsync("rbd", "lock", "add", volume, "kubelet_lock_magic_node-5")).EnsureSuccess();

        // A lock of unknown age that nobody watches: even a one-shot acquire observes it for
        // the grace period (naming the holder meanwhile), then fences and takes it.
        var clock = Stopwatch.StartNew();
        CommandResult taken = (await taker.RbdfenceAsync("acquire", volume, "--grace", Grace, "--json")).EnsureSuccess();
        Assert.Contains("held by node-5", taken.StdErr, StringComparison.Ordinal);
        JsonElement result = JsonResult.Parse(taken.StdOut);
        Assert.Equal("acquired", result.Text("result"));
        Assert.Equal(kubelet.WholeHostEntry, result.Text("fenced"));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(3), $"taken over after {clock.Elapsed}, before the grace period");

        string locks = (await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", volume)).EnsureSuccess().StdOut;
        Assert.EndsWith(":host-3", Assert.Single(JsonDocument.Parse(locks).RootElement.EnumerateArray()).Text("id"), StringComparison.Ordinal);

        (await taker.RbdfenceAsync("release", volume)).EnsureSuccess();
        await cluster.Cluster.CephAsync("osd", "blocklist", "rm", kubelet.WholeHostEntry);
    }

    private static bool HolderIsLive(CommandResult status) =>
        status.Succeeded && JsonResult.Parse(status.StdOut).GetProperty("holders").EnumerateArray().Any(h => h.GetProperty("live").GetBoolean());

    private async Task<string> FirstDataObjectAsync(string volume)
    {
        string info = (await cluster.Cluster.RbdAsync("info", "--format", "json", volume)).EnsureSuccess().StdOut;
        return JsonDocument.Parse(info).RootElement.Text("block_name_prefix") + ".0000000000000000";
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"timed out waiting for {what}");
            await Task.Delay(200);
        }
    }
}
