using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;
using Xunit.Abstractions;

namespace Rbdfence.Fencing.ClusterTests;

/// <summary>
/// <c>rbdfence hold</c> with the rbd-fuse + loop backend (this kernel has no rbd module):
/// the device, the filesystem on it, systemd's notifications, the orderly stop, the
/// refusal of managed mode, and what happens when the holder's host is fenced.
/// </summary>
[Collection(MultiHostCluster.Collection)]
public sealed class HolderTests(MultiHostCluster cluster, ITestOutputHelper output)
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Hold_maps_serves_and_on_sigterm_leaves_nothing_behind()
    {
        string volume = await cluster.CreateImageAsync("hold");
        TestHost host = cluster.Host(1);
        string work = Directory.CreateTempSubdirectory("rbdfence-hold.").FullName;
        string link = Path.Combine(work, "dev"), mnt = Path.Combine(work, "mnt");
        Directory.CreateDirectory(mnt);
        using var notify = new NotifyListener();

        (await host.RbdfenceAsync("acquire", volume)).EnsureSuccess();
        await using BackgroundProcess holder = host.StartRbdfenceWith(["NOTIFY_SOCKET=" + notify.Path],
            "hold", volume, "--backend", "fuse", "--interval", "1", "--device-link", link);
        try
        {
            DateTime ready = await notify.WaitForAsync("READY=1", Start);
            // READY=1 comes only once the device exists: it was there when the message arrived.
            string device = Path.GetFullPath(File.ResolveLinkTarget(link, returnFinalTarget: false)!.FullName);
            Assert.StartsWith("/dev/loop", device, StringComparison.Ordinal);
            Assert.True(File.GetCreationTimeUtc(link) <= ready, "the device link appeared after READY=1");
            Assert.Contains(notify.Messages(), m => m.Contains("STATUS=held by this host (host-1)", StringComparison.Ordinal));
            await notify.WaitForAsync("WATCHDOG=1", TimeSpan.FromSeconds(10), occurrence: 2);

            await Local("mkfs.ext4", "-q", link);
            await Local("mount", link, mnt);
            await File.WriteAllTextAsync(Path.Combine(mnt, "data"), "written through rbdfence hold");
            await Local("sync");
            await Local("umount", mnt); // systemd stops the mount unit before the service
        }
        finally
        {
            await LocalTry("umount", mnt);
            holder.Terminate();
        }

        await notify.WaitForAsync("STOPPING=1", TimeSpan.FromSeconds(30));
        (int code, _, string stderr) = await holder.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"holder exited {code}: {stderr}");

        // Nothing left: no link, no loop device or rbd-fuse of this image, no lock, no watcher.
        Assert.False(File.Exists(link) || Directory.Exists(link));
        string image = volume["rbd/".Length..];
        Assert.DoesNotContain(image, (await Local("losetup", "-a")).StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain(image, (await Local("ps", "-eo", "args")).StdOut, StringComparison.Ordinal);
        Assert.Equal("[]", (await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", volume)).EnsureSuccess().StdOut.Trim());
        Assert.Contains("\"watchers\":[]", (await cluster.Cluster.RbdAsync("status", "--format", "json", volume)).EnsureSuccess().StdOut, StringComparison.Ordinal);

        // What was written is on the image: map it again and read it back.
        (await host.RbdfenceAsync("acquire", volume)).EnsureSuccess();
        await using BackgroundProcess again = host.StartRbdfence("hold", volume, "--backend", "fuse", "--device-link", link);
        try
        {
            await WaitForFileAsync(link);
            await Local("mount", "-o", "ro", link, mnt);
            Assert.Equal("written through rbdfence hold", await File.ReadAllTextAsync(Path.Combine(mnt, "data")));
        }
        finally
        {
            await LocalTry("umount", mnt);
            again.Terminate();
            await again.WaitAsync(TimeSpan.FromSeconds(60));
        }

        Directory.Delete(work, recursive: true);
    }

    [Fact]
    public async Task Stopping_a_holder_hands_the_volume_to_a_waiting_host_within_a_second()
    {
        string volume = await cluster.CreateImageAsync("holdhand");
        TestHost first = cluster.Host(1), second = cluster.Host(2);
        string link = Path.Combine(Directory.CreateTempSubdirectory("rbdfence-handover.").FullName, "dev");

        (await first.RbdfenceAsync("acquire", volume)).EnsureSuccess();
        await using BackgroundProcess holder = first.StartRbdfence("hold", volume, "--backend", "fuse", "--device-link", link);
        await WaitForFileAsync(link);
        await using BackgroundProcess waiter = second.StartRbdfence("acquire", volume, "--wait", "120", "--json");
        await waiter.WaitForStdErrAsync("waiting", TimeSpan.FromSeconds(60)); // its watch is armed before it says so

        holder.Terminate(); // systemctl stop: unmap, release, wake
        (int holderCode, _, string holderErr) = await holder.WaitAsync(TimeSpan.FromSeconds(60));
        long stoppedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.True(holderCode == 0, $"holder exited {holderCode}: {holderErr}");
        (int code, string stdout, string stderr) = await waiter.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(code == 0, $"waiter exited {code}: {stderr}");
        JsonElement acquired = JsonResult.Parse(stdout);
        long latency = acquired.At() - stoppedAt;
        output.WriteLine($"waiter held the lock {latency} ms after the holder process exited");
        Assert.True(latency < 1000, $"waiter took {latency} ms after the holder stopped");
        (await second.RbdfenceAsync("release", volume)).EnsureSuccess();
        Directory.Delete(Path.GetDirectoryName(link)!, recursive: true);
    }

    [Fact]
    public async Task Map_and_unmap_verbs_give_a_device_and_take_it_away_leaving_the_lock_to_release()
    {
        string volume = await cluster.CreateImageAsync("mapverb");
        TestHost host = cluster.Host(1);
        string image = volume["rbd/".Length..];

        JsonElement mapped = JsonResult.Parse((await host.RbdfenceAsync("map", volume, "--backend", "fuse", "--json")).EnsureSuccess().StdOut);
        string device = mapped.Text("device");
        Assert.StartsWith("/dev/loop", device, StringComparison.Ordinal);
        Assert.Contains(image, (await Local("losetup", "-a")).StdOut, StringComparison.Ordinal);
        await Local("mkfs.ext4", "-q", device);

        // A second host can neither lock nor map it meanwhile.
        Assert.Equal(75, (await cluster.Host(2).RbdfenceAsync("map", volume, "--backend", "fuse")).ExitCode);

        JsonElement unmapped = JsonResult.Parse((await host.RbdfenceAsync("unmap", volume, "--backend", "fuse", "--json")).EnsureSuccess().StdOut);
        Assert.Equal("unmapped", unmapped.Text("result"));
        Assert.DoesNotContain(image, (await Local("losetup", "-a")).StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain(image, (await Local("ps", "-eo", "args")).StdOut, StringComparison.Ordinal);
        Assert.Contains("host-1", (await cluster.Cluster.RbdAsync("lock", "ls", volume)).EnsureSuccess().StdOut, StringComparison.Ordinal);

        (await host.RbdfenceAsync("release", volume)).EnsureSuccess();
        Assert.Equal("[]", (await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", volume)).EnsureSuccess().StdOut.Trim());
    }

    /// <summary>
    /// A hold that finds the lock free takes it itself (no acquire ran, or the lock was let go
    /// since). When it then fails to start, the lock must not stay with nobody to release it:
    /// the unit's stop path (<c>release</c>, which acts on this host's lease) must let it go.
    /// Here the map works and the device link cannot be made (a directory is in its place).
    /// Before the fix the hold wrote no lease and the lock stayed after the release.
    /// </summary>
    [Fact]
    public async Task A_hold_that_took_a_free_lock_and_failed_leaves_it_to_the_units_release()
    {
        string volume = await cluster.CreateImageAsync("holdfail");
        TestHost host = cluster.Host(1);
        string work = Directory.CreateTempSubdirectory("rbdfence-holdfail.").FullName;
        string link = Path.Combine(work, "dev");
        Directory.CreateDirectory(link);
        await File.WriteAllTextAsync(Path.Combine(link, "occupied"), "a directory where the link goes");

        CommandResult held = await host.RbdfenceAsync("hold", volume, "--backend", "fuse", "--device-link", link);
        Assert.True(held.ExitCode != 0, $"the hold succeeded: {held}");
        string image = volume["rbd/".Length..];
        Assert.DoesNotContain(image, (await Local("losetup", "-a")).StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain(image, (await Local("ps", "-eo", "args")).StdOut, StringComparison.Ordinal);

        CommandResult released = (await host.RbdfenceAsync("release", volume)).EnsureSuccess(); // the unit's ExecStopPost
        Assert.Equal("[]", (await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", volume)).EnsureSuccess().StdOut.Trim());
        output.WriteLine($"hold: {held.StdErr.Trim()}; release: {released.StdOut.Trim()}");
        Directory.Delete(work, recursive: true);
    }

    [Fact]
    public async Task Managed_mode_with_the_fuse_backend_is_refused_and_takes_nothing()
    {
        string volume = await cluster.CreateImageAsync("managedfuse", "layering,exclusive-lock");
        CommandResult r = await cluster.Host(1).RbdfenceAsync("hold", volume, "--backend", "fuse");

        Assert.True(r.ExitCode == 65, r.ToString());
        string line = Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("cannot hold the managed lock exclusively", line, StringComparison.Ordinal);
        Assert.Equal("[]", (await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", volume)).EnsureSuccess().StdOut.Trim());
        Assert.DoesNotContain(volume["rbd/".Length..], (await Local("ps", "-eo", "args")).StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fenced_holder_exits_78_and_later_writes_never_reach_the_image()
    {
        string volume = await cluster.CreateImageAsync("fencedhold");
        TestHost victim = cluster.Host(7), reader = cluster.Host(2);
        string work = Directory.CreateTempSubdirectory("rbdfence-fenced.").FullName;
        string link = Path.Combine(work, "dev"), mnt = Path.Combine(work, "mnt");
        Directory.CreateDirectory(mnt);
        string before = "BEFORE-" + Guid.NewGuid().ToString("N"), after = "AFTER-" + Guid.NewGuid().ToString("N");

        using var notify = new NotifyListener();
        (await victim.RbdfenceAsync("acquire", volume)).EnsureSuccess();
        await using BackgroundProcess holder = victim.StartRbdfenceWith(["NOTIFY_SOCKET=" + notify.Path],
            "hold", volume, "--backend", "fuse", "--interval", "1", "--device-link", link);
        Stopwatch sinceFence;
        try
        {
            await WaitForFileAsync(link);
            await Local("mkfs.ext4", "-q", link);
            await Local("mount", "-o", "sync", link, mnt);
            await File.WriteAllTextAsync(Path.Combine(mnt, "before"), before);
            await Local("sync");

            // Another host fences this one, as its fencing would: the whole host's address.
            (await cluster.Cluster.CephAsync("osd", "blocklist", "add", victim.WholeHostEntry, "600")).EnsureSuccess();
            DateTime fencedAt = DateTime.UtcNow;
            sinceFence = Stopwatch.StartNew();
            DateTime noticedAt = await notify.WaitForStatusAsync("blocklisted", TimeSpan.FromSeconds(60));
            (int code, _, string stderr) = await holder.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(noticedAt - fencedAt < TimeSpan.FromSeconds(3), $"noticed {noticedAt - fencedAt} after the fence (interval 1 s)");
            output.WriteLine($"fenced holder noticed {(noticedAt - fencedAt).TotalSeconds:0.00} s after the blocklist entry was in " +
                $"(check interval 1 s) and exited {code} after {sinceFence.Elapsed.TotalSeconds:0.0} s (unmapping a fenced device included)");
            Assert.True(code == 78, $"holder exited {code}: {stderr}");
            Assert.Contains("blocklisted", stderr, StringComparison.Ordinal);
            Assert.True(sinceFence.Elapsed < TimeSpan.FromSeconds(15), $"noticed only after {sinceFence.Elapsed}");

            // A write after the fence: whatever the page cache says, it must not reach the image.
            await LocalTry("sh", "-c", $"echo {after} > {mnt}/after && sync");
        }
        finally
        {
            await LocalTry("umount", "-l", mnt);
        }

        // The image, read by a host that is not fenced: the write before is there, the one after is not.
        string export = Path.Combine(work, "image");
        (await reader.RunAsync("rbd", "export", volume, export)).EnsureSuccess();
        byte[] bytes = await File.ReadAllBytesAsync(export);
        Assert.True(Contains(bytes, before), "the write made before fencing is missing: the check proves nothing");
        Assert.False(Contains(bytes, after), "a write made after fencing reached the image");
        await cluster.Cluster.CephAsync("osd", "blocklist", "rm", victim.WholeHostEntry);

        // A fenced holder may fail to unmount its rbd-fuse (its I/O is cut off); the mount
        // died with its namespace, the empty directory is ours to remove.
        await LocalTry("rm", "-f", "/run/rbdfence/fuse/rbd%2F" + volume["rbd/".Length..] + ".loop"); // the map's record of its device
        await LocalTry("rmdir", "/run/rbdfence/fuse/rbd%2F" + volume["rbd/".Length..]);
        Directory.Delete(work, recursive: true);
    }

    private static bool Contains(byte[] haystack, string needle) =>
        haystack.AsSpan().IndexOf(Encoding.ASCII.GetBytes(needle)) >= 0;

    private static async Task WaitForFileAsync(string path)
    {
        var clock = Stopwatch.StartNew();
        while (!File.Exists(path))
        {
            Assert.True(clock.Elapsed < Start, $"{path} never appeared");
            await Task.Delay(200);
        }
    }

    /// <summary>Runs a command in the test's own namespaces (mounts here are visible to the test).</summary>
    private static async Task<(string StdOut, string StdErr)> Local(string tool, params string[] arguments)
    {
        (int code, string stdout, string stderr) = await LocalTry(tool, arguments);
        Assert.True(code == 0, $"{tool} {string.Join(' ', arguments)} exited {code}: {stderr}");
        return (stdout, stderr);
    }

    private static async Task<(int Code, string StdOut, string StdErr)> LocalTry(string tool, params string[] arguments)
    {
        using Process p = Process.Start(new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(), stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout, await stderr);
    }
}
