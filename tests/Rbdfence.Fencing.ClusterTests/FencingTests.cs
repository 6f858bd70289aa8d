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

    /// <summary>
    /// A fencer decides on what it saw. If, between its look and its break, the holder writes
    /// a record naming new clients (a holder restarted on its lock), those clients were not
    /// fenced: the break must not go through (it is conditional on the record, in the same
    /// RADOS op), and the lock is taken only after the new clients are fenced too. The
    /// window is widened by a Debug-only pause between blocklist and break.
    /// </summary>
    [Fact]
    public async Task A_holder_that_rewrote_its_record_keeps_its_lock_until_its_new_clients_are_fenced()
    {
        string volume = await cluster.CreateImageAsync("rewrote");
        TestHost holder = cluster.Host(6), taker = cluster.Host(7);
        (await holder.RbdfenceAsync("acquire", volume)).EnsureSuccess();
        JsonElement taken = Assert.Single(JsonDocument.Parse((await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", volume)).EnsureSuccess().StdOut).RootElement.EnumerateArray());
        string cookie = taken.Text("id"), locker = taken.Text("locker");

        // Nobody watches: after the grace the taker fences the holder's host and pauses.
        string newClient = $"{holder.Address}:0/4242";
        try
        {
            await using BackgroundProcess waiter = taker.StartRbdfenceWith(["RBDFENCE_FAULT=pause-before-break"], "acquire", volume, "--wait", "120", "--grace", Grace, "--json");
            await waiter.WaitForStdErrAsync("pausing 5 s before the break", TimeSpan.FromSeconds(60));
            var sincePause = Stopwatch.StartNew();

            // Meanwhile the holder records a client of its own that nobody has fenced by name.
            string record = $"cookie={cookie}\nlocker={locker}\nhost={holder.Name}\nmachine=m\nboot=b\nsince={DateTimeOffset.UtcNow.ToUnixTimeSeconds()}\nclients={newClient}\n";
            (await cluster.Cluster.RbdAsync("image-meta", "set", volume, "rbdfence.holder", record)).EnsureSuccess();
            Assert.True(sincePause.Elapsed < TimeSpan.FromSeconds(4), $"the record took {sincePause.Elapsed} to write: the pause may have ended first");

            // The pause is over and the break, made on the look without that record, was refused.
            await Task.Delay(TimeSpan.FromSeconds(6) - sincePause.Elapsed);
            string after = (await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", volume)).EnsureSuccess().StdOut;
            JsonElement still = Assert.Single(JsonDocument.Parse(after).RootElement.EnumerateArray());
            Assert.Equal((cookie, locker), (still.Text("id"), still.Text("locker")));

            // Then, a grace later, the taker fences the recorded clients by name and takes the lock.
            (int code, string stdout, string stderr) = await waiter.WaitAsync(TimeSpan.FromSeconds(90));
            Assert.True(code == 0, $"taker exited {code}: {stderr}");
            JsonElement result = JsonResult.Parse(stdout);
            Assert.Equal("acquired", result.Text("result"));
            Assert.Contains(newClient, result.Text("fenced"), StringComparison.Ordinal);
            string blocklist = (await cluster.Cluster.CephAsync("osd", "blocklist", "ls")).EnsureSuccess().StdOut;
            Assert.Contains(newClient, blocklist, StringComparison.Ordinal);

            (await taker.RbdfenceAsync("release", volume)).EnsureSuccess();
        }
        finally
        {
            // The holder's host serves other tests: whatever this one blocklisted goes.
            string left = (await cluster.Cluster.CephAsync("osd", "blocklist", "ls")).StdOut;
            foreach (string entry in left.Split('\n').Select(l => l.Split(' ')[0]).Where(e => e.StartsWith(holder.Address + ":", StringComparison.Ordinal)))
            {
                await cluster.Cluster.CephAsync("osd", "blocklist", "rm", entry);
            }
        }
    }

    /// <summary>
    /// systemd stopping a unit whose acquire still waits sends it SIGTERM: it says it was
    /// stopped (not "unexpected OperationCanceledException"), and the holder keeps its lock.
    /// </summary>
    [Fact]
    public async Task A_waiting_acquire_stopped_by_SIGTERM_says_so_and_leaves_the_lock_alone()
    {
        string volume = await cluster.CreateImageAsync("stopped");
        TestHost holder = cluster.Host(1), waiter = cluster.Host(2);
        (await holder.RbdfenceAsync("acquire", volume)).EnsureSuccess();
        try
        {
            // A long grace: the silent holder is never fenced while this test runs.
            await using BackgroundProcess waiting = waiter.StartRbdfence("acquire", volume, "--wait", "120", "--grace", "600");
            await waiting.WaitForStdErrAsync("waiting", TimeSpan.FromSeconds(60));
            waiting.Terminate();
            (int code, _, string stderr) = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(code == 1, $"exit {code}, expected 1; stderr: {stderr}");
            Assert.Contains($"{volume}: stopped by a signal before 'acquire' finished", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("unexpected", stderr, StringComparison.Ordinal);

            string locks = (await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", volume)).EnsureSuccess().StdOut;
            Assert.EndsWith(":host-1", Assert.Single(JsonDocument.Parse(locks).RootElement.EnumerateArray()).Text("id"), StringComparison.Ordinal);
        }
        finally
        {
            (await holder.RbdfenceAsync("release", volume)).EnsureSuccess();
        }
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
