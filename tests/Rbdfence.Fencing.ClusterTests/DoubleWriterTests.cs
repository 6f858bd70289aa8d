using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;
using Xunit.Abstractions;

namespace Rbdfence.Fencing.ClusterTests;

/// <summary>
/// Paths by which two hosts could both write one image, or a takeover never happen, found by
/// reading the code: each failed on the code before its fix. Hosts 8 and 9 are this class's.
/// </summary>
[Collection(MultiHostCluster.Collection)]
public sealed class DoubleWriterTests(MultiHostCluster cluster, ITestOutputHelper output)
{
    private const string Grace = "3";

    [Fact]
    public async Task A_clone_sharing_machine_id_and_boot_id_neither_holds_nor_releases_the_originals_lock()
    {
        string volume = await cluster.CreateImageAsync("clone");
        TestHost original = cluster.Host(8);

        // The clone: the same hostname, machine-id and boot-id, on another address and with
        // its own /run (what a cloned VM or container is).
        var clone = new TestHost(cluster, original.Name, cluster.Host(9).Namespace, cluster.Host(9).Address);

        (await original.RbdfenceAsync("acquire", volume)).EnsureSuccess();
        await using BackgroundProcess watch = original.Start("dotnet", BuiltTools.Probe, "hold", cluster.Cluster.ConfPath, "rbd", volume["rbd/".Length..], "300");
        await WaitForWatchersAsync(volume, 1);

        CommandResult taken = await clone.RbdfenceAsync("acquire", volume, "--grace", Grace);
        Assert.True(taken.ExitCode == 75, $"the clone's acquire exited {taken.ExitCode}, not 75 (contended): {taken.StdOut}{taken.StdErr}");

        CommandResult released = await clone.RbdfenceAsync("release", volume);
        released.EnsureSuccess();
        Assert.Contains("not held by this host", released.StdOut, StringComparison.Ordinal);
        Assert.Equal(original.Address, LockerHost(await LockersAsync(volume)));

        (await original.RbdfenceAsync("release", volume)).EnsureSuccess();
        Assert.Empty(await LockersAsync(volume));
    }

    [Fact]
    public async Task Two_nodes_of_one_hostname_with_the_kubelet_cookie_do_not_both_hold()
    {
        string volume = await cluster.CreateImageAsync("kube");
        TestHost a = cluster.Host(8);
        var sameName = new TestHost(cluster, "host-8-twin", cluster.Host(9).Namespace, cluster.Host(9).Address);
        string[] node = ["RBDFENCE_HOSTNAME=node-1"];

        await using BackgroundProcess first = a.StartRbdfenceWith(node, "acquire", volume, "--kubelet-cookie");
        Assert.Equal(0, (await first.WaitAsync(TimeSpan.FromSeconds(60))).ExitCode);
        await using BackgroundProcess watch = a.Start("dotnet", BuiltTools.Probe, "hold", cluster.Cluster.ConfPath, "rbd", volume["rbd/".Length..], "300");
        await WaitForWatchersAsync(volume, 1);

        await using BackgroundProcess second = sameName.StartRbdfenceWith(node, "acquire", volume, "--kubelet-cookie", "--grace", Grace);
        (int code, string stdout, string stderr) = await second.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(code == 75, $"the second node-1 exited {code}, not 75: {stdout}{stderr}");

        await using BackgroundProcess release = a.StartRbdfenceWith(node, "release", volume);
        Assert.Equal(0, (await release.WaitAsync(TimeSpan.FromSeconds(60))).ExitCode);
        Assert.Empty(await LockersAsync(volume));
    }

    [Fact]
    public async Task A_one_shot_acquire_fences_a_holder_that_died_long_ago()
    {
        string volume = await cluster.CreateImageAsync("longdead");
        TestHost dead = cluster.Host(8), taker = cluster.Host(9);
        (await dead.RbdfenceAsync("acquire", volume)).EnsureSuccess();

        // Long dead: nothing of it has watched the image for longer than the grace period.
        await Task.Delay(TimeSpan.FromSeconds(double.Parse(Grace, System.Globalization.CultureInfo.InvariantCulture) + 1));

        var clock = Stopwatch.StartNew();
        CommandResult r = await taker.RbdfenceAsync("acquire", volume, "--grace", Grace, "--json");
        Assert.True(r.ExitCode == 0, $"a one-shot acquire exited {r.ExitCode} instead of fencing the dead holder: {r.StdErr}");
        JsonElement result = JsonResult.Parse(r.StdOut);
        Assert.Equal("acquired", result.Text("result"));
        Assert.Equal(dead.WholeHostEntry, result.Text("fenced"));
        output.WriteLine($"one-shot acquire fenced a long-dead holder in {clock.Elapsed.TotalSeconds:0.0} s (grace {Grace} s)");

        (await taker.RbdfenceAsync("release", volume)).EnsureSuccess();
        await cluster.Cluster.CephAsync("osd", "blocklist", "rm", dead.WholeHostEntry);
    }

    [Fact]
    public async Task Release_keeps_the_lock_while_the_device_is_still_mapped_after_the_holder_was_killed()
    {
        string volume = await cluster.CreateImageAsync("kept");
        TestHost host = cluster.Host(8);
        string link = Path.Combine(host.StateDirectory, "dev-kept");
        await using BackgroundProcess holder = host.StartRbdfence("hold", volume, "--backend", "fuse", "--device-link", link, "--interval", "1");
        await WaitUntilAsync(() => File.Exists(link), "the holder's device link");

        // SIGKILL, as the OOM killer or a watchdog would: no cleanup runs, rbd-fuse and the
        // loop device stay, so this host can still write the image.
        holder.Kill();
        await holder.WaitAsync(TimeSpan.FromSeconds(10));

        CommandResult kept = await host.RbdfenceAsync("release", volume);
        Assert.True(kept.ExitCode == 74, $"release exited {kept.ExitCode} with the device still mapped: {kept.StdOut}{kept.StdErr}");
        Assert.Contains("not releasing the lock", kept.StdErr, StringComparison.Ordinal);
        Assert.Equal(host.Address, LockerHost(await LockersAsync(volume)));

        // Once the device is gone, the same release lets go.
        (await host.RbdfenceAsync("unmap", volume, "--backend", "fuse")).EnsureSuccess();
        CommandResult released = await host.RbdfenceAsync("release", volume);
        released.EnsureSuccess();
        Assert.Empty(await LockersAsync(volume));
    }

    [Fact]
    public async Task Break_fences_even_a_live_holder_and_says_what_it_blocklisted()
    {
        string volume = await cluster.CreateImageAsync("break");
        TestHost holder = cluster.Host(8), operatorHost = cluster.Host(9);
        (await holder.RbdfenceAsync("acquire", volume)).EnsureSuccess();
        await using BackgroundProcess watch = holder.Start("dotnet", BuiltTools.Probe, "hold", cluster.Cluster.ConfPath, "rbd", volume["rbd/".Length..], "300");
        await WaitForWatchersAsync(volume, 1);

        CommandResult broken = await operatorHost.RbdfenceAsync("break", volume, "--json");
        broken.EnsureSuccess();
        string fenced = JsonResult.Parse(broken.StdOut).Text("blocklisted");
        Assert.Equal(holder.WholeHostEntry, fenced);
        Assert.Empty(await LockersAsync(volume));
        Assert.Contains(fenced, (await cluster.Cluster.CephAsync("osd", "blocklist", "ls")).EnsureSuccess().StdOut, StringComparison.Ordinal);
        await cluster.Cluster.CephAsync("osd", "blocklist", "rm", fenced);
    }

    private async Task<JsonElement[]> LockersAsync(string volume)
    {
        string locks = (await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", volume)).EnsureSuccess().StdOut;
        return JsonDocument.Parse(locks).RootElement.EnumerateArray().ToArray();
    }

    private static string LockerHost(JsonElement[] lockers) =>
        Assert.Single(lockers).Text("address").Split(':')[0];

    private async Task WaitForWatchersAsync(string volume, int count)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            string status = (await cluster.Cluster.RbdAsync("status", "--format", "json", volume)).EnsureSuccess().StdOut;
            if (JsonDocument.Parse(status).RootElement.GetProperty("watchers").GetArrayLength() >= count)
            {
                return;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "timed out waiting for the holder's watch");
            await Task.Delay(200);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"timed out waiting for {what}");
            await Task.Delay(200);
        }
    }
}
