using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;
using Xunit.Abstractions;

namespace Rbdfence.Fencing.ClusterTests;

/// <summary>
/// A container killed as a whole (a systemd-nspawn machine terminated, a pod's sandbox torn
/// down) ends every process of its mount namespace at once. The container here is that
/// mount namespace alone (<c>unshare --mount</c>), the only part of one the hang needs: in
/// it the fuse backend maps a volume and an ext4 is mounted from it. Then every process of
/// the namespace is killed, rbd-fuse last, which is how a whole-container kill usually ends
/// (rbd-fuse has the most threads to end). The last process of a mount namespace unmounts
/// its file systems on its way out; when that was rbd-fuse, the unmount flushed the ext4
/// through the loop device to rbd-fuse itself, and rbd-fuse stayed in uninterruptible sleep
/// for good: the container could not finish stopping (issue 11: nspawn's init never exited,
/// loop devices stayed attached, until the FUSE connection was aborted by hand).
/// </summary>
[Collection(MultiHostCluster.Collection)]
public sealed class KilledContainerTests(MultiHostCluster cluster, ITestOutputHelper output)
{
    private const string Script = """
        set -e
        cd "$0"
        "$@" > map.json
        dev=$(grep -o '/dev/loop[0-9]*' map.json | head -n 1)
        mkfs.ext4 -q "$dev"
        mkdir -p mnt
        mount "$dev" mnt
        echo acknowledged > mnt/data
        sync
        echo "ready $dev"
        exec sleep 600
        """;

    [Fact]
    public async Task A_container_killed_with_rbd_fuse_dying_last_goes_away_and_keeps_what_was_synced()
    {
        string volume = await cluster.CreateImageAsync("killedbox");
        string image = volume["rbd/".Length..];
        TestHost host = cluster.Host(1);
        string work = Directory.CreateTempSubdirectory("rbdfence-killedbox.").FullName;
        string mountDir = Path.Combine(host.StateDirectory, "fuse", "rbd%2F" + image);
        List<int> rbdFuse = [];
        List<string> connections = [];
        string? device = null;
        try
        {
            await using (BackgroundProcess container = host.Start(
                "unshare", ["--mount", "--propagation", "private", "--fork", "--", "sh", "-c", Script, work, .. host.RbdfenceCommandLine("map", volume, "--backend", "fuse", "--json")]))
            {
                await container.WaitForOutputAsync((stdout, _) => stdout.Contains("ready /dev/loop", StringComparison.Ordinal), TimeSpan.FromSeconds(120), "the mounted volume");
                device = container.OutputSoFar.StdOut.Split(' ', '\n')[1];
                string containerNamespace = MountNamespaceOf(container.Pid) ?? throw new InvalidOperationException("the container is gone");
                Assert.NotEqual(MountNamespaceOf(Environment.ProcessId), containerNamespace);

                rbdFuse = RbdFuseServing(mountDir);
                Assert.NotEmpty(rbdFuse);
                // Kept to undo the hang, should it come: the connection of each rbd-fuse's mount.
                connections = rbdFuse.SelectMany(pid => FuseMinors(pid)).Distinct().ToList();

                // Every other process of the container first, then rbd-fuse.
                List<int> others = ProcessesIn(containerNamespace).Except(rbdFuse).ToList();
                others.ForEach(pid => Signal(pid, "KILL"));
                await WaitUntilAsync(() => !ProcessesIn(containerNamespace).Except(rbdFuse).Any(), TimeSpan.FromSeconds(20), "the container's other processes to end");
                output.WriteLine($"killed the container's {others.Count} other processes; rbd-fuse {string.Join(", ", rbdFuse)} in the container's namespace: {rbdFuse.Any(pid => MountNamespaceOf(pid) == containerNamespace)}");
            }

            rbdFuse.ForEach(pid => Signal(pid, "KILL"));
            var clock = Stopwatch.StartNew();
            while (rbdFuse.Any(IsAlive) && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(100);
            }

            List<int> stuck = rbdFuse.Where(IsAlive).ToList();
            string stacks = string.Join("\n", stuck.Select(KernelStacks));
            Assert.True(stuck.Count == 0,
                $"rbd-fuse {string.Join(", ", stuck)} still there 30 s after SIGKILL: its exit waits on the ext4 stacked on it\n{stacks}");
            output.WriteLine($"rbd-fuse gone {clock.ElapsedMilliseconds} ms after SIGKILL");
        }
        finally
        {
            // Undo a hang (before the fix), then what a killed container leaves: the loop
            // device (its back file's mount went with rbd-fuse), the directory, the lock.
            if (rbdFuse.Any(IsAlive) && !Directory.EnumerateFileSystemEntries("/sys/fs/fuse/connections").Any())
            {
                await Processes.RunAsync("mount", ["-t", "fusectl", "fusectl", "/sys/fs/fuse/connections"]);
            }

            connections.ForEach(minor => TryWrite($"/sys/fs/fuse/connections/{minor}/abort", "1"));
            await WaitUntilAsync(() => !rbdFuse.Any(IsAlive), TimeSpan.FromSeconds(20), "the hung rbd-fuse to go after the abort");
            if (device is not null)
            {
                await Processes.RunAsync("losetup", ["-d", device]);
            }

            await Processes.RunAsync("rm", ["-f", mountDir + ".loop"]); // the map's record of its device
            await Processes.RunAsync("rmdir", [mountDir]);
            await host.RbdfenceAsync("release", volume);
        }

        // The write synced before the kill is on the image.
        string export = Path.Combine(work, "image");
        (await cluster.Cluster.RbdAsync("export", volume, export)).EnsureSuccess();
        CommandResult read = await Processes.RunAsync("debugfs", ["-R", "cat /data", export]);
        Assert.Equal("acknowledged", read.StdOut.Trim());
        Directory.Delete(work, recursive: true);
    }

    private static string? MountNamespaceOf(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/ns/mnt").LinkTarget; // "mnt:[inode]"
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static List<int> ProcessesIn(string mountNamespace) =>
        Pids().Where(pid => MountNamespaceOf(pid) == mountNamespace).ToList();

    private static List<int> RbdFuseServing(string mountDir) =>
        Pids().Where(pid => Read($"/proc/{pid}/comm")?.Trim() == "rbd-fuse"
            && (Read($"/proc/{pid}/cmdline") ?? string.Empty).Split('\0').Contains(mountDir)).ToList();

    /// <summary>The minors of the FUSE mounts rbd-fuse <paramref name="pid"/> sees (mountinfo "0:N ... - fuse.rbd-fuse").</summary>
    private static IEnumerable<string> FuseMinors(int pid) =>
        (Read($"/proc/{pid}/mountinfo") ?? string.Empty).Split('\n')
            .Where(line => line.Contains(" - fuse.rbd-fuse ", StringComparison.Ordinal))
            .Select(line => line.Split(' ')[2].Split(':')[1]);

    /// <summary>Alive: not gone, and not a zombie whose last thread is gone (one whose other thread still sleeps in the kernel is alive).</summary>
    private static bool IsAlive(int pid)
    {
        string? status = Read($"/proc/{pid}/status");
        if (status is null)
        {
            return false;
        }

        bool zombie = status.Contains("State:\tZ", StringComparison.Ordinal);
        bool oneThread = status.Contains("Threads:\t1\n", StringComparison.Ordinal);
        return !(zombie && oneThread);
    }

    private static string KernelStacks(int pid)
    {
        IEnumerable<string> tasks = Directory.Exists($"/proc/{pid}/task") ? Directory.EnumerateDirectories($"/proc/{pid}/task") : [];
        return string.Join("\n", tasks
            .Select(t => (t, state: (Read(Path.Combine(t, "stat")) ?? string.Empty).Split(' ').ElementAtOrDefault(2)))
            .Where(t => t.state == "D")
            .Select(t => $"{t.t} (D):\n{Read(Path.Combine(t.t, "stack"))}"));
    }

    private static IEnumerable<int> Pids() =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : 0)
            .Where(pid => pid > 0);

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void TryWrite(string path, string text)
    {
        try
        {
            File.WriteAllText(path, text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No such connection (any more).
        }
    }

    private static void Signal(int pid, string signal) =>
        Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < timeout, $"waited {timeout} for {what}");
            await Task.Delay(100);
        }
    }
}
