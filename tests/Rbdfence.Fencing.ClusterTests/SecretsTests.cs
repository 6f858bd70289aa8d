using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;

namespace Rbdfence.Fencing.ClusterTests;

/// <summary>
/// The cephx key is on no command line and in no environment of the running holder or the
/// data path it started (rbd-fuse), and in none of its output: read from /proc of the live
/// processes, as any local user (command lines) or root (environments) could.
/// </summary>
[Collection(MultiHostCluster.Collection)]
public sealed class SecretsTests(MultiHostCluster cluster)
{
    [Fact]
    public async Task The_key_is_in_no_command_line_environment_or_log_of_the_holder_and_its_data_path()
    {
        string key = KeyOf(await File.ReadAllTextAsync(cluster.Cluster.KeyringPath), "client.rbdfence");
        string volume = await cluster.CreateImageAsync("secrets");
        string image = volume["rbd/".Length..];
        TestHost host = cluster.Host(1);
        string work = Directory.CreateTempSubdirectory("rbdfence-secrets.").FullName;
        string link = Path.Combine(work, "dev");
        using var notify = new NotifyListener();

        (await host.RbdfenceAsync("acquire", volume)).EnsureSuccess();
        await using BackgroundProcess holder = host.StartRbdfenceWith(["NOTIFY_SOCKET=" + notify.Path],
            "hold", volume, "--backend", "fuse", "--interval", "1", "--device-link", link);
        List<int> looked;
        try
        {
            await notify.WaitForAsync("READY=1", TimeSpan.FromSeconds(90));
            List<int> dataPath = Pids(argv => argv.Any(a => a.EndsWith("rbd-fuse", StringComparison.Ordinal)) && argv.Any(a => a.Contains(image, StringComparison.Ordinal)));
            Assert.NotEmpty(dataPath); // else nothing below would prove anything
            looked = [holder.Pid, .. Descendants(holder.Pid), .. dataPath];
            foreach (int pid in looked)
            {
                string cmdline = Read($"/proc/{pid}/cmdline");
                string environ = Read($"/proc/{pid}/environ");
                Assert.True(cmdline.Length > 0 && environ.Length > 0, $"pid {pid}: nothing to read");
                Assert.DoesNotContain(key, cmdline, StringComparison.Ordinal);
                Assert.DoesNotContain(key, environ, StringComparison.Ordinal);
            }

            // The data path runs as the same least-privileged user, named, not keyed.
            Assert.Contains("\0--id\0rbdfence\0", "\0" + Read($"/proc/{dataPath[0]}/cmdline"), StringComparison.Ordinal);
        }
        finally
        {
            holder.Terminate();
        }

        (int code, string stdout, string stderr) = await holder.WaitAsync(TimeSpan.FromSeconds(60));
        Directory.Delete(work, recursive: true);
        Assert.True(code == 0, $"holder exited {code}: {stderr}");
        Assert.DoesNotContain(key, stdout + stderr, StringComparison.Ordinal);
        Assert.True(looked.Count >= 2, "the holder and its data path were looked at");
    }

    private static string KeyOf(string keyring, string entity)
    {
        bool inSection = false;
        foreach (string line in keyring.Split('\n').Select(l => l.Trim()))
        {
            if (line.StartsWith('['))
            {
                inSection = line == $"[{entity}]";
            }
            else if (inSection && line.StartsWith("key", StringComparison.Ordinal) && line.Contains('=', StringComparison.Ordinal))
            {
                return line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim();
            }
        }

        throw new InvalidOperationException($"no key for {entity}");
    }

    private static List<int> Pids(Func<string[], bool> match) =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0)
            .Where(pid => pid > 0 && match(Read($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries)))
            .ToList();

    private static IEnumerable<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            string stat = Read(Path.Combine(dir, "stat"));
            int close = stat.LastIndexOf(')');
            if (int.TryParse(Path.GetFileName(dir), out int pid) && close > 0)
            {
                string[] fields = stat[(close + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        var found = new List<int>();
        var frontier = new Queue<int>([root]);
        while (frontier.TryDequeue(out int parent))
        {
            foreach (int child in parents.Where(p => p.Value == parent).Select(p => p.Key))
            {
                found.Add(child);
                frontier.Enqueue(child);
            }
        }

        return found;
    }

    private static string Read(string path)
    {
        try
        {
            return Encoding.UTF8.GetString(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
