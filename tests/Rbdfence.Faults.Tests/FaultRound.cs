using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;
using Xunit.Abstractions;

namespace Rbdfence.Faults.Tests;

/// <summary>One host's run of a fenced volume, as its unit runs it: the holder, the mount and the writer on it.</summary>
public sealed class Session
{
    public required FaultHost Host { get; init; }

    public required string Volume { get; init; }

    public required BackgroundProcess Holder { get; init; }

    public required string Mount { get; init; }

    public required string Device { get; init; }

    public required BackgroundProcess Writer { get; init; }

    /// <summary>The writer's name in its records.</summary>
    public required string Label { get; init; }

    public required string Log { get; init; }

    public bool Mounted { get; set; } = true;

    public int Acks => File.ReadLines(Log).Count(l => l.StartsWith("ACK ", StringComparison.Ordinal));

    public string? WriterEnd => File.ReadLines(Log).LastOrDefault(l => l.StartsWith("FAIL", StringComparison.Ordinal) || l.StartsWith("STOP", StringComparison.Ordinal));
}

/// <summary>
/// One round of a fault scenario on one fresh volume: sessions on hosts, waiters, the
/// faults injected, the sampler throughout, the oracle at the end, one summary line, and
/// cleanup of everything whatever happened (thawed, reconnected, unmounted, unmapped,
/// killed by pid, blocklist entries of the round removed).
/// </summary>
public sealed class FaultRound : IAsyncDisposable
{
    public static readonly string[] Grace = ["--grace", FaultCluster.GraceSeconds.ToString(CultureInfo.InvariantCulture)];

    private readonly FaultCluster _cluster;
    private readonly ITestOutputHelper _output;
    private readonly string _scenario;
    private readonly string _work;
    private readonly List<Session> _sessions = [];
    private readonly List<BackgroundProcess> _processes = [];
    private readonly List<int> _frozen = [];
    private readonly List<FaultHost> _unplugged = [];
    private readonly Dictionary<string, long> _fencedAt = new(StringComparer.Ordinal);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private HashSet<string> _blocklistBefore = [];
    private Sampler? _sampler;
    private int _sessionCount;

    private FaultRound(FaultCluster cluster, ITestOutputHelper output, string scenario, string volume)
    {
        _cluster = cluster;
        _output = output;
        _scenario = scenario;
        Volume = volume;
        Image = volume[(volume.LastIndexOf('/') + 1)..];
        _work = Path.Combine(cluster.WorkDir, Image);
        Directory.CreateDirectory(_work);
    }

    public string Volume { get; }

    public string Image { get; }

    /// <summary>Faults injected in this round (each kill, freeze, cut, restart, lock removal).</summary>
    public int Faults { get; set; }

    /// <summary>A new volume, the blocklist as it is, and the sampler running.</summary>
    public static async Task<FaultRound> StartAsync(FaultCluster cluster, ITestOutputHelper output, string scenario)
    {
        var round = new FaultRound(cluster, output, scenario, await cluster.CreateImageAsync(scenario[..Math.Min(scenario.Length, 8)]));
        round._blocklistBefore = await round.BlocklistAsync();
        round._sampler = new Sampler(cluster, round.Volume);
        return round;
    }

    public void Log(string line) => _output.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:0.0}s] {line}");

    /// <summary>Starts the volume on <paramref name="host"/> as its unit would (ExecStartPre acquire unless already done, hold, mount, writer).</summary>
    public async Task<Session> StartSessionAsync(FaultHost host, bool mkfs, bool acquired = false, string[]? environment = null, string? volume = null)
    {
        volume ??= Volume;
        environment ??= [];
        if (!acquired)
        {
            (await host.RbdfenceAsync(environment, ["acquire", volume, "--wait", "120", .. Grace])).EnsureSuccess();
        }

        int n = ++_sessionCount;
        string dir = Path.Combine(_work, $"{host.Name}-{n}");
        Directory.CreateDirectory(dir);
        string link = Path.Combine(dir, "dev"), mnt = Path.Combine(dir, "mnt"), log = Path.Combine(dir, "acks.log");
        Directory.CreateDirectory(mnt);
        BackgroundProcess holder = Track(host.StartRbdfence(environment,
            ["hold", volume, "--backend", "fuse", "--interval", "1", .. Grace, "--device-link", link]));
        var clock = Stopwatch.StartNew();
        while (!File.Exists(link))
        {
            if (holder.HasExited)
            {
                (int code, _, string err) = await holder.WaitAsync(TimeSpan.FromSeconds(5), "holder");
                Assert.Fail($"{host.Name}: hold exited {code} before its device appeared: {err}");
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"{host.Name}: the holder's device never appeared");
            await Task.Delay(100);
        }

        string device = Path.GetFullPath(File.ResolveLinkTarget(link, returnFinalTarget: true)!.FullName);
        if (mkfs)
        {
            (await Local.RunAsync("mkfs.ext4", "-q", device)).EnsureSuccess();
        }

        (await Local.RunAsync("mount", device, mnt)).EnsureSuccess();
        string label = $"{host.Name}/{n}";
        BackgroundProcess writer = Track(host.Start("dotnet", BuiltTools.Writer, "--file", Path.Combine(mnt, Oracle.RecordFile), "--host", label, "--log", log));
        var session = new Session { Host = host, Volume = volume, Holder = holder, Mount = mnt, Device = device, Writer = writer, Label = label, Log = log };
        _sessions.Add(session);
        Log($"{host.Name}: hold gave {device} ({string.Join(", ", await Local.LoopDevicesOf(volume[(volume.LastIndexOf('/') + 1)..]))} serve this image on the machine)");
        await WaitUntilAsync(() => File.Exists(log) && session.Acks > 0, TimeSpan.FromSeconds(30), $"{label}'s first acknowledged record");
        Log($"{host.Name}: holding {volume} on {device}, mounted, writer {label} running");
        return session;
    }

    /// <summary>A waiting host, as a unit's ExecStartPre waits: <c>acquire --wait --json</c>.</summary>
    public BackgroundProcess StartWaiter(FaultHost host, string[]? environment = null) =>
        Track(host.StartRbdfence(environment ?? [], ["acquire", Volume, "--wait", "120", .. Grace, "--json"]));

    /// <summary>
    /// Waits for the waiter to take the lock; records when (its <c>at</c>) as the moment
    /// <paramref name="fencedHost"/> lost the volume. Returns the acquire result.
    /// </summary>
    public async Task<JsonElement> TakeOverAsync(BackgroundProcess waiter, FaultHost fencedHost, TimeSpan timeout)
    {
        (int code, string stdout, string stderr) = await waiter.WaitAsync(timeout, "the waiting host");
        Assert.True(code == 0, $"the waiter exited {code}: {stderr}");
        JsonElement result = JsonDocument.Parse(stdout.Trim().Split('\n').Last()).RootElement;
        long at = result.GetProperty("at").GetInt64();
        _fencedAt[fencedHost.Name] = at * 1_000_000;
        Log($"taken over from {fencedHost.Name}: {result.GetProperty("result").GetString()}, fenced {result.GetProperty("fenced")}");
        return result;
    }

    /// <summary>Declares the moment <paramref name="host"/> lost the volume by other means (a lock removed, its holder's exit).</summary>
    public void FencedAt(FaultHost host, DateTime at) => _fencedAt[host.Name] = (at - DateTime.UnixEpoch).Ticks * 100;

    /// <summary>SIGSTOPs processes (a frozen VM: the holder, its rbd-fuse, the writer).</summary>
    public void Freeze(IEnumerable<int> pids)
    {
        foreach (int pid in pids)
        {
            Local.Kill("STOP", pid);
            _frozen.Add(pid);
        }
    }

    public void Thaw()
    {
        foreach (int pid in _frozen)
        {
            Local.Kill("CONT", pid);
        }

        _frozen.Clear();
    }

    /// <summary>The rbd-fuse processes of this volume in <paramref name="host"/>'s namespace.</summary>
    public List<int> RbdFuseOn(FaultHost host)
    {
        string ns = Local.NamespaceId(host.Namespace);
        return RbdFuseProcesses.Of(Image).Where(p => p.NetNs == ns).Select(p => p.Pid).ToList();
    }

    public async Task UnplugAsync(FaultHost host)
    {
        _unplugged.Add(host);
        await host.LinkAsync(up: false);
    }

    public async Task PlugAsync(FaultHost host)
    {
        await host.LinkAsync(up: true);
        _unplugged.Remove(host);
    }

    /// <summary>Stops a session as <c>systemctl stop</c> would: the writer, the mount unit, then the holder (SIGTERM, exit 0).</summary>
    public async Task StopSessionAsync(Session s, bool clean = true)
    {
        s.Writer.Signal("TERM");
        (int code, _, string err) = await s.Writer.WaitAsync(TimeSpan.FromSeconds(30), s.Label);
        Assert.True(code == 0, $"{s.Label} exited {code}: {err} / {s.WriterEnd}");
        (await Local.RunAsync("umount", s.Mount)).EnsureSuccess();
        s.Mounted = false;
        s.Holder.Signal("TERM");
        (code, _, err) = await s.Holder.WaitAsync(TimeSpan.FromSeconds(60), $"{s.Host.Name}'s holder");
        Assert.True(code == 0 || !clean, $"{s.Host.Name}'s holder exited {code} on SIGTERM: {err}");
        Log($"{s.Host.Name}: stopped ({s.Acks} records acknowledged)");
    }

    /// <summary>Waits for a fenced session's holder to exit 78 and its writer to fail; returns how long the holder took.</summary>
    public async Task<TimeSpan> ExpectFencedAsync(Session s, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        (int code, _, string err) = await s.Holder.WaitAsync(within, $"{s.Host.Name}'s fenced holder");
        TimeSpan took = clock.Elapsed;
        Assert.True(code == 78, $"{s.Host.Name}'s holder exited {code}, not 78 (fenced): {err}");
        await WaitUntilAsync(() => s.Writer.HasExited, TimeSpan.FromSeconds(30), $"{s.Label} to fail");
        Assert.True(s.WriterEnd?.StartsWith("FAIL", StringComparison.Ordinal) == true, $"{s.Label} ended with '{s.WriterEnd}', not a failed write");
        Log($"{s.Host.Name}: holder exited 78 after {took.TotalSeconds:0.0} s; writer: {s.WriterEnd}");
        return took;
    }

    /// <summary>
    /// Stops the sampler, runs the oracle over every writer of the round, prints the
    /// summary line, and returns the report (the caller asserts on it).
    /// </summary>
    public async Task<OracleReport> JudgeAsync()
    {
        SamplerReport sampled = await _sampler!.StopAsync();
        // A zombie's mount must go before the image is read (its page cache is not the image).
        return await JudgeAsync(Volume, sampled, _scenario);
    }

    /// <summary>The oracle over another volume of the round (no sampler there), e.g. a neighbour that must be unharmed.</summary>
    public async Task<OracleReport> JudgeAsync(string volume, SamplerReport? sampled, string name)
    {
        foreach (Session s in _sessions.Where(s => s.Mounted && s.Volume == volume))
        {
            await Local.RunAsync("umount", "-l", s.Mount);
            s.Mounted = false;
        }

        List<WriterLog> logs = _sessions.Where(s => s.Volume == volume).Select(s => WriterLog.Read(s.Label, s.Host.Name, s.Log)).ToList();
        OracleReport report = await Oracle.CheckAsync(_cluster, volume, logs, _fencedAt, sampled);
        sampled ??= new SamplerReport(0, 0, 0, 0, []);
        string line = string.Create(CultureInfo.InvariantCulture,
            $"FAULTS {name}: rounds=1 faults={Faults} records-on-image={report.RecordsOnImage} acknowledged={report.Acknowledged} " +
            $"verified={report.Verified} fsck={report.FsckExit} samples={sampled.Samples} answered={sampled.Answered} " +
            $"sample-period-ms={sampled.MeanPeriodMs:0} blocklist-period-ms={sampled.BlocklistPeriodMs:0} double-holds={sampled.DoubleHolds.Count} violations={report.Violations.Count} " +
            $"seconds={_clock.Elapsed.TotalSeconds:0}");
        _output.WriteLine(line);
        foreach (string v in report.Violations.Take(20))
        {
            _output.WriteLine("  violation: " + v);
        }

        if (Environment.GetEnvironmentVariable("RBDFENCE_FAULTS_SUMMARY") is { Length: > 0 } summary)
        {
            // The violations too, whole: a CI log shows this summary, not the test's output.
            await File.AppendAllTextAsync(summary, line + Environment.NewLine +
                string.Concat(report.Violations.Take(5).Select(v => "  violation: " + v + Environment.NewLine)));
        }

        return report;
    }

    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < timeout, $"timed out after {timeout.TotalSeconds:0} s waiting for {what}");
            await Task.Delay(100);
        }
    }

    public BackgroundProcess Track(BackgroundProcess p)
    {
        _processes.Add(p);
        return p;
    }

    private async Task<HashSet<string>> BlocklistAsync()
    {
        string json = (await _cluster.Cluster.CephAsync("osd", "blocklist", "ls", "--format", "json")).EnsureSuccess().StdOut;
        return Sampler.BlocklistEntries(json).ToHashSet(StringComparer.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (_sampler is not null)
        {
            await _sampler.DisposeAsync();
        }

        Thaw();
        foreach (FaultHost h in _unplugged.ToList())
        {
            await h.LinkAsync(up: true);
        }

        foreach (Session s in _sessions)
        {
            s.Writer.Kill();
            if (s.Mounted)
            {
                await Local.RunAsync("umount", "-l", s.Mount);
            }
        }

        foreach (Session s in _sessions.Where(s => !s.Holder.HasExited))
        {
            s.Holder.Signal("TERM");
            await s.Holder.TryWaitAsync(TimeSpan.FromSeconds(20));
        }

        foreach (BackgroundProcess p in _processes)
        {
            await p.DisposeAsync();
        }

        // What a killed holder left: its rbd-fuse, the loop device, the FUSE directory.
        foreach (string loop in await Local.LoopDevicesOf(Image))
        {
            await Local.RunAsync("losetup", "-d", loop);
        }

        foreach ((int pid, _) in RbdFuseProcesses.Of(Image))
        {
            Local.Kill("KILL", pid);
        }

        await Task.Delay(300);
        string stateRoot = Path.Combine(_cluster.WorkDir, "state");
        string[] roots = ["/run/rbdfence/fuse", .. Directory.Exists(stateRoot) ? Directory.EnumerateDirectories(stateRoot).Select(d => Path.Combine(d, "fuse")) : []];
        foreach (string volume in _sessions.Select(s => s.Volume).Append(Volume).Distinct())
        {
            foreach (string root in roots)
            {
                string dir = Path.Combine(root, volume.Replace("/", "%2F", StringComparison.Ordinal));
                if (Directory.Exists(root))
                {
                    File.Delete(dir + ".loop"); // the map's record of its loop device
                }

                if (Directory.Exists(dir))
                {
                    await Local.RunAsync("rmdir", dir);
                }
            }
        }

        foreach (string entry in (await BlocklistAsync()).Except(_blocklistBefore))
        {
            await _cluster.Cluster.CephAsync("osd", "blocklist", "rm", entry);
        }

        Directory.Delete(_work, recursive: true);
    }
}
