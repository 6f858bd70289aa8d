using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Rbdfence.TestCluster;

namespace Rbdfence.Boot.Tests;

/// <summary>One of Ceph's lockers of an image, as <c>rbd lock ls</c> shows it.</summary>
public sealed record Locker(string Client, string Cookie, string Address)
{
    /// <summary>The hostname in an rbdfence cookie (its last field), or the whole cookie.</summary>
    public string Host => Cookie.StartsWith("rbdfence:", StringComparison.Ordinal) ? Cookie[(Cookie.LastIndexOf(':') + 1)..] : Cookie;
}

/// <summary>
/// Ceph's own view of an image's lock, sampled from the cluster's namespace (<c>rbd lock ls</c>)
/// throughout a scenario, with the CLOCK_MONOTONIC time (µs) of each sample.
/// </summary>
public sealed class LockSampler : IAsyncDisposable
{
    private readonly BootCluster _cluster;
    private readonly string _volume;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(long AtUs, IReadOnlyList<Locker> Lockers)> _samples = [];
    private readonly Task _loop;

    private LockSampler(BootCluster cluster, string volume)
    {
        _cluster = cluster;
        _volume = volume;
        _loop = Task.Run(LoopAsync);
    }

    public static LockSampler Start(BootCluster cluster, string volume) => new(cluster, volume);

    /// <summary>The samples so far.</summary>
    public IReadOnlyList<(long AtUs, IReadOnlyList<Locker> Lockers)> Samples
    {
        get
        {
            lock (_samples)
            {
                return _samples.ToList();
            }
        }
    }

    /// <summary>The image's lockers now.</summary>
    public static async Task<IReadOnlyList<Locker>> LockersAsync(BootCluster cluster, string volume)
    {
        string json = (await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", volume)).EnsureSuccess().StdOut;
        using JsonDocument document = JsonDocument.Parse(json);
        var lockers = new List<Locker>();
        if (document.RootElement.ValueKind == JsonValueKind.Array)
        {
            // [{"id": cookie, "locker": "client.N", "address": "ip:port/nonce"}]
            foreach (JsonElement e in document.RootElement.EnumerateArray())
            {
                lockers.Add(new Locker(e.GetProperty("locker").GetString()!, e.GetProperty("id").GetString()!, e.GetProperty("address").GetString()!));
            }
        }
        else
        {
            // {cookie: {"locker": ..., "address": ...}}
            foreach (JsonProperty p in document.RootElement.EnumerateObject())
            {
                lockers.Add(new Locker(p.Value.GetProperty("locker").GetString()!, p.Name, p.Value.GetProperty("address").GetString()!));
            }
        }

        return lockers;
    }

    /// <summary>CLOCK_MONOTONIC now, in µs: the clock of systemd's *TimestampMonotonic properties.</summary>
    public static long NowUs() => (long)(Stopwatch.GetTimestamp() * (1_000_000.0 / Stopwatch.Frequency));

    /// <summary>The samples as lines, for a failure message.</summary>
    public string Describe() => string.Join('\n', Samples.Select(s => $"{s.AtUs / 1000} ms: " + (s.Lockers.Count == 0 ? "(none)" : string.Join("; ", s.Lockers.Select(l => $"{l.Client} {l.Address} {l.Cookie}")))));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                IReadOnlyList<Locker> lockers = await LockersAsync(_cluster, _volume);
                lock (_samples)
                {
                    _samples.Add((NowUs(), lockers));
                }
            }
            catch (CommandFailedException)
            {
                // A sample lost to a slow cluster is only a gap.
            }

            try
            {
                await Task.Delay(100, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
