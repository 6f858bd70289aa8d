using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Rbdfence.TestCluster;

namespace Rbdfence.Faults.Tests;

/// <summary>
/// Samples what Ceph says about one volume, from inside the cluster's namespace: every
/// <see cref="Period"/> the header's lockers and watchers (what <c>rbd lock ls</c> and
/// <c>rbd status</c> show, read by one long-lived read-only client, Rbdfence.Faults.Sampler),
/// and as often as the Python CLI allows <c>ceph osd blocklist ls</c>; and, from /proc,
/// which host namespaces run an rbd-fuse serving the image (the data path) throughout
/// that sample's Ceph reads.
/// <para>
/// A double hold at a sample is defined as:
/// (a) two or more lockers on the image; or
/// (b) two or more hosts "holding" it, where a host (a network namespace: identities behind
///     one IP count as one host here) holds the volume when the locker's address is its
///     address, or when it has a <em>writable mapping</em>: an rbd-fuse process serving
///     the image in its namespace whose Ceph client is not blocklisted. The client's
///     addresses are the header watchers from the host's IP seen (in any sample) while
///     that rbd-fuse process lived: the rbd-fuse's own watch and the holder's. The
///     mapping is writable unless the host's whole address (<c>ip:0/0</c>) is blocklisted
///     or every one of those addresses is; a mapping not yet seen watching counts as
///     writable. A frozen rbd-fuse whose watch expired is still writable: it writes the
///     moment it resumes unless it was blocklisted.
/// </para>
/// </summary>
public sealed class Sampler : IAsyncDisposable
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(200);

    private readonly CephCluster _cluster;
    private readonly string _volume;
    private readonly string _image;
    private readonly IReadOnlyDictionary<string, string> _namespaceByIp;
    private readonly IReadOnlyDictionary<string, string> _namespaceById;
    private readonly List<Sample> _samples = [];
    private readonly List<(DateTime At, HashSet<string> Entries)> _blocklists = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public Sampler(FaultCluster cluster, string volume)
    {
        _cluster = cluster.Cluster;
        _volume = volume;
        _image = volume[(volume.LastIndexOf('/') + 1)..];
        var byIp = new Dictionary<string, string>(StringComparer.Ordinal);
        var byId = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 1; i <= FaultCluster.HostCount; i++)
        {
            FaultHost h = cluster.Host(i);
            byIp[h.Address] = h.Namespace;
            byId[Local.NamespaceId(h.Namespace)] = h.Namespace;
        }

        _namespaceByIp = byIp;
        _namespaceById = byId;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Stops sampling and judges every sample.</summary>
    public async Task<SamplerReport> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        return Judge();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await _loop;
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        Task blocklists = Task.Run(BlocklistLoopAsync);
        string pool = _volume[.._volume.IndexOf('/', StringComparison.Ordinal)];
        (string fileName, List<string> inNamespace) = NetworkNamespaces.Command(_cluster.NetworkNamespace!, "dotnet",
            [BuiltTools.Sampler, _cluster.ConfPath, pool, _image, ((int)Period.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)]);
        var psi = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (string a in inNamespace)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["CEPH_CONF"] = _cluster.ConfPath;
        psi.Environment["CEPH_KEYRING"] = _cluster.KeyringPath;
        psi.Environment.Remove("CEPH_ARGS");
        using Process sampler = Process.Start(psi)!;
        try
        {
            while (await sampler.StandardOutput.ReadLineAsync(_stop.Token) is { } line)
            {
                lock (_samples)
                {
                    _samples.Add(Parse(line));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
        finally
        {
            sampler.Kill();
            await sampler.WaitForExitAsync();
        }

        await blocklists;
    }

    // `ceph` is a Python CLI, several times slower than `rbd`: the blocklist is read in a
    // loop of its own, and each sample is judged against the first reading that started
    // after it (see Judge).
    private async Task BlocklistLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var clock = Stopwatch.StartNew();
            DateTime at = DateTime.UtcNow;
            CommandResult r = await _cluster.CephAsync("osd", "blocklist", "ls", "--format", "json");
            if (r.Succeeded)
            {
                lock (_blocklists)
                {
                    _blocklists.Add((at, BlocklistEntries(r.StdOut).Select(Normalize).ToHashSet(StringComparer.Ordinal)));
                }
            }

            if (!await PauseAsync(clock))
            {
                break;
            }
        }
    }

    private async Task<bool> PauseAsync(Stopwatch clock)
    {
        TimeSpan left = Period - clock.Elapsed;
        if (left > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(left, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        return true;
    }

    private Sample Parse(string line)
    {
        JsonElement sample = JsonDocument.Parse(line).RootElement;
        DateTime at = DateTimeOffset.FromUnixTimeMilliseconds(sample.GetProperty("at").GetInt64()).UtcDateTime;
        // A sample Ceph did not answer (an OSD or mon restarting) says nothing; it is counted.
        if (!sample.GetProperty("ok").GetBoolean())
        {
            return new Sample(at, null, [], [], []);
        }

        var lockers = new List<string>();
        var lockerNames = new List<string>();
        foreach (JsonElement l in sample.GetProperty("lockers").EnumerateArray())
        {
            lockers.Add(Normalize(l.GetProperty("address").GetString()!));
            lockerNames.Add(l.GetProperty("locker").GetString() + " " + l.GetProperty("id").GetString());
        }

        var watchers = sample.GetProperty("watchers").EnumerateArray().Select(w => Normalize(w.GetString()!)).ToList();
        var mappings = sample.GetProperty("mappings").EnumerateArray()
            .Select(m => (Pid: m.GetProperty("pid").GetInt32(), NetNs: m.GetProperty("netns").GetString()!))
            .Where(m => _namespaceById.ContainsKey(m.NetNs))
            .Select(m => (m.Pid, _namespaceById[m.NetNs]))
            .ToList();
        return new Sample(at, lockerNames, lockers, watchers, mappings);
    }

    private SamplerReport Judge()
    {
        List<Sample> samples;
        lock (_samples)
        {
            samples = [.. _samples];
        }

        List<(DateTime At, HashSet<string> Entries)> blocklists;
        lock (_blocklists)
        {
            blocklists = [.. _blocklists];
        }

        // The addresses each rbd-fuse process was seen watching with (its host's IP), over its life.
        var clientsOf = new Dictionary<int, HashSet<string>>();
        var doubleHolds = new List<string>();
        int answered = 0;
        foreach (Sample s in samples)
        {
            if (s.LockerNames is null)
            {
                continue;
            }

            answered++;
            foreach ((int pid, string ns) in s.Mappings)
            {
                HashSet<string> seen = clientsOf.TryGetValue(pid, out HashSet<string>? set) ? set : clientsOf[pid] = [];
                seen.UnionWith(s.Watchers.Where(w => NamespaceOf(w) == ns));
            }
        }

        foreach (Sample s in samples)
        {
            if (s.LockerNames is null)
            {
                continue;
            }

            // Fencing blocklists before it breaks and takes the lock, so an entry read after the
            // sample was in force at the sample when the lock it guards was already taken. A
            // fencer that blocklisted only after taking the lock could slip through here for
            // one reading; the records' timestamps still catch its victim's writes.
            HashSet<string> blocklist = blocklists.FirstOrDefault(b => b.At >= s.At).Entries ?? (blocklists.Count > 0 ? blocklists[^1].Entries : []);
            var holders = new SortedSet<string>(StringComparer.Ordinal);
            foreach (string l in s.Lockers)
            {
                holders.Add(NamespaceOf(l) ?? "unknown:" + l);
            }

            foreach ((int pid, string ns) in s.Mappings)
            {
                bool wholeHost = blocklist.Contains(IpOf(clientsOf[pid].FirstOrDefault() ?? AddressOfNamespace(ns)) + ":0/0");
                bool everyClient = clientsOf[pid].Count > 0 && clientsOf[pid].All(blocklist.Contains);
                if (!wholeHost && !everyClient)
                {
                    holders.Add(ns);
                }
            }

            if (s.Lockers.Count >= 2 || holders.Count >= 2)
            {
                doubleHolds.Add($"{s.At:HH:mm:ss.fff}: lockers [{string.Join(", ", s.LockerNames)}], holding hosts [{string.Join(", ", holders)}], " +
                    $"mappings [{string.Join(", ", s.Mappings.Select(m => $"rbd-fuse {m.Pid} in {m.Namespace}"))}], " +
                    $"watchers [{string.Join(", ", s.Watchers)}], blocklist [{string.Join(", ", blocklist)}]");
            }
        }

        double period = samples.Count > 1 ? (samples[^1].At - samples[0].At).TotalMilliseconds / (samples.Count - 1) : 0;
        double blocklistPeriod = blocklists.Count > 1 ? (blocklists[^1].At - blocklists[0].At).TotalMilliseconds / (blocklists.Count - 1) : 0;
        return new SamplerReport(samples.Count, answered, period, blocklistPeriod, doubleHolds);
    }

    /// <summary>
    /// The addresses in <c>ceph osd blocklist ls --format json</c>, which prints two arrays
    /// back to back (addresses, then ranges); the entries hold no brackets, so the first ']'
    /// ends the first array.
    /// </summary>
    public static IEnumerable<string> BlocklistEntries(string stdout)
    {
        int start = stdout.IndexOf('[', StringComparison.Ordinal);
        int end = stdout.IndexOf(']', start + 1);
        return JsonDocument.Parse(stdout[start..(end + 1)]).RootElement.EnumerateArray().Select(e => e.GetProperty("addr").GetString()!).ToList();
    }

    private string? NamespaceOf(string address) => _namespaceByIp.GetValueOrDefault(IpOf(address));

    private string AddressOfNamespace(string ns) => _namespaceByIp.First(p => p.Value == ns).Key + ":0/0";

    private static string IpOf(string address) => address[..address.LastIndexOf(':')];

    /// <summary>"v1:10.0.0.1:0/123" and "10.0.0.1:0/123" name the same client.</summary>
    private static string Normalize(string address)
    {
        foreach (string prefix in (string[])["any:", "v1:", "v2:"])
        {
            if (address.StartsWith(prefix, StringComparison.Ordinal))
            {
                return address[prefix.Length..];
            }
        }

        return address;
    }

    private sealed record Sample(
        DateTime At,
        List<string>? LockerNames,
        List<string> Lockers,
        List<string> Watchers,
        List<(int Pid, string Namespace)> Mappings);
}

/// <summary>What the sampler saw: how many samples (and how many Ceph answered), their mean spacing, the double holds.</summary>
public sealed record SamplerReport(int Samples, int Answered, double MeanPeriodMs, double BlocklistPeriodMs, IReadOnlyList<string> DoubleHolds);
