using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;

namespace Rbdfence.TestCluster.Tests;

/// <summary>Starts and stops a cluster of its own, so the shared one stays up.</summary>
public sealed class SeparateClusterTests
{
    [Fact]
    public async Task Down_stops_every_daemon_unmounts_detaches_loops_and_removes_the_directory()
    {
        await using CephCluster cluster = await CephCluster.StartAsync(
            extraArguments: ["--set", "osd_client_watch_timeout=10"]);
        Assert.True(cluster.Owned);
        string dir = cluster.Dir;

        IReadOnlyList<string> daemons = ProcessesNaming(dir);
        Assert.Contains(daemons, d => d.StartsWith("ceph-mon ", StringComparison.Ordinal));
        Assert.Contains(daemons, d => d.StartsWith("ceph-mgr ", StringComparison.Ordinal));
        Assert.Contains(daemons, d => d.StartsWith("ceph-osd ", StringComparison.Ordinal));
        (await cluster.RbdAsync("create", "--size", "8M", "rbd/before-down")).EnsureSuccess();
        CommandResult watchTimeout = (await cluster.CephAsync(
            "--admin-daemon", Path.Combine(dir, "run", "ceph-osd.0.asok"),
            "config", "get", "osd_client_watch_timeout")).EnsureSuccess();
        Assert.Contains("\"10\"", watchTimeout.StdOut, StringComparison.Ordinal);

        // The data path tests use: rbd-fuse under DIR, a loop device on an image file there,
        // ext4 mounted from it. `down` must undo all of it.
        (await cluster.RbdAsync("create", "--size", "64M", "rbd/fuse-a")).EnsureSuccess();
        string fuse = Path.Combine(dir, "fuse");
        string mnt = Path.Combine(dir, "mnt");
        Directory.CreateDirectory(fuse);
        Directory.CreateDirectory(mnt);
        TimeSpan limit = TimeSpan.FromSeconds(30);
        (await cluster.RunAsync("rbd-fuse", ["-p", "rbd", fuse], limit)).EnsureSuccess();
        string loop = (await cluster.RunAsync("losetup", ["-f", "--show", Path.Combine(fuse, "fuse-a")], limit))
            .EnsureSuccess().StdOut.Trim();
        (await cluster.RunAsync("mkfs.ext4", ["-q", loop], limit)).EnsureSuccess();
        (await cluster.RunAsync("mount", [loop, mnt], limit)).EnsureSuccess();
        await File.WriteAllTextAsync(Path.Combine(mnt, "f"), "data");
        Assert.Contains(dir + "/", await File.ReadAllTextAsync("/proc/self/mountinfo"), StringComparison.Ordinal);

        await cluster.DownAsync();

        Assert.Empty(ProcessesNaming(dir));
        Assert.False(Directory.Exists(dir), $"{dir} still exists after down");
        Assert.DoesNotContain(dir + "/", await File.ReadAllTextAsync("/proc/self/mountinfo"), StringComparison.Ordinal);
        CommandResult loops = (await cluster.RunAsync("losetup", ["-n", "-l", "-O", "NAME,BACK-FILE"], limit)).EnsureSuccess();
        Assert.DoesNotContain(dir + "/", loops.StdOut, StringComparison.Ordinal);

        // Idempotent: a second down of the same (now missing) directory succeeds.
        CommandResult again = await CephCluster.RunScriptAsync("down", "--dir", dir);
        Assert.True(again.Succeeded, again.ToString());
    }

    [Fact]
    public async Task Bad_usage_exits_2_with_one_line()
    {
        CommandResult result = await CephCluster.RunScriptAsync("up", "--no-such-option");
        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.StdErr.TrimEnd().Split('\n'));
    }

    /// <summary>Command lines of live processes that mention <paramref name="dir"/>.</summary>
    private static IReadOnlyList<string> ProcessesNaming(string dir)
    {
        var found = new List<string>();
        foreach (string proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out _))
            {
                continue;
            }

            string cmdline;
            try
            {
                cmdline = File.ReadAllText(Path.Combine(proc, "cmdline")).Replace('\0', ' ').Trim();
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            if (cmdline.Contains(dir + "/", StringComparison.Ordinal) && !cmdline.Contains("ceph-cluster", StringComparison.Ordinal))
            {
                found.Add(cmdline);
            }
        }

        return found;
    }
}
