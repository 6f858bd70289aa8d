using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Rbdfence.TestCluster;

namespace Rbdfence.Boot.Tests;

/// <summary>
/// One "host": a <c>systemd-nspawn --boot</c> container (<c>scripts/nspawn-host</c>) in one of
/// the cluster's host namespaces, with rbdfence installed and its own /etc/ceph/rbdfencetab.
/// Disposing powers it off, so its units stop as on a real shutdown.
/// </summary>
public sealed class BootedHost : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    private readonly BootCluster _cluster;
    private string? _journal;

    private BootedHost(BootCluster cluster, int index, string name, string hostName, string etcCeph)
    {
        _cluster = cluster;
        Index = index;
        Name = name;
        HostName = hostName;
        EtcCeph = etcCeph;
    }

    /// <summary>Which of the cluster's host namespaces it lives in (1-based).</summary>
    public int Index { get; }

    /// <summary>Its network namespace (the container's only network).</summary>
    public string Namespace => _cluster.HostNamespace(Index);

    /// <summary>The container's name (unique on this machine).</summary>
    public string Name { get; }

    /// <summary>Its hostname: the name rbdfence puts in its lock cookie.</summary>
    public string HostName { get; }

    /// <summary>The directory the container sees as /etc/ceph.</summary>
    public string EtcCeph { get; }

    /// <summary>The table, as the host's side of the container's /etc/ceph/rbdfencetab.</summary>
    public string Table => Path.Join(EtcCeph, "rbdfencetab");

    /// <summary>
    /// Boots host <paramref name="index"/> with <paramref name="table"/> as its rbdfencetab;
    /// <paramref name="options"/> fix its machine-id or add environment to its volumes' units.
    /// </summary>
    public static async Task<BootedHost> BootAsync(BootCluster cluster, int index, string table, BootOptions? options = null)
    {
        string hostName = $"boot-{index}";
        string etcCeph = Directory.CreateDirectory(Path.Join(cluster.Work, hostName + "-etc-ceph-" + Guid.NewGuid().ToString("N")[..6])).FullName;
        File.WriteAllText(Path.Join(etcCeph, "rbdfencetab"), table);
        var host = new BootedHost(cluster, index, $"{cluster.Prefix}-{hostName}", hostName, etcCeph);
        try
        {
            await host.BootAgainAsync(options);
        }
        catch
        {
            Directory.Delete(etcCeph, recursive: true);
            throw;
        }

        return host;
    }

    /// <summary>
    /// Boots this host (powered off by <see cref="KillAsync"/> or <see cref="PowerOffAsync"/>)
    /// again: same name, namespace and /etc/ceph; the same machine-id only if
    /// <paramref name="options"/> gives one.
    /// </summary>
    public async Task BootAgainAsync(BootOptions? options = null)
    {
        List<string> arguments =
        [
            "boot", Name, "--hostname", HostName, "--netns", Namespace,
            .. options?.WritableOs == true ? (string[])["--writable-os"] : ["--install", _cluster.InstallTree],
            "--etc-ceph", EtcCeph,
            "--bind-ro", _cluster.Cluster.Dir, "--bind-ro", _cluster.Shared,
            "--watch-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
        ];
        if (options?.LoopDevices is { } loops)
        {
            arguments.AddRange(["--loop-devices", loops.ToString(CultureInfo.InvariantCulture)]);
        }

        if (options?.KeepJournal == true)
        {
            _journal ??= Directory.CreateDirectory(Path.Join(_cluster.Work, HostName + "-journal-" + Guid.NewGuid().ToString("N")[..6])).FullName;
            arguments.AddRange(["--journal-dir", _journal]);
        }

        if (options?.MachineId is { } machineId)
        {
            arguments.AddRange(["--machine-id", machineId]);
        }

        foreach (string assignment in options?.UnitEnvironment ?? [])
        {
            arguments.AddRange(["--unit-env", assignment]);
        }

        (await RepoScripts.RunAsync("nspawn-host", arguments, CommandTimeout)).EnsureSuccess();
    }

    /// <summary>Cuts the power: no stop job runs, nothing is unmounted or released (<c>nspawn-host kill</c>).</summary>
    public async Task KillAsync()
    {
        (await RepoScripts.RunAsync("nspawn-host", ["kill", Name], CommandTimeout)).EnsureSuccess();
    }

    /// <summary>Powers off in order (units stop: unmount, unmap, release).</summary>
    public async Task PowerOffAsync()
    {
        (await RepoScripts.RunAsync("nspawn-host", ["stop", Name], TimeSpan.FromSeconds(120))).EnsureSuccess();
    }

    /// <summary>A unit's CLOCK_MONOTONIC timestamp property (µs; 0 when it never happened). One kernel: comparable across hosts.</summary>
    public async Task<long> MonotonicAsync(string unit, string property) =>
        long.Parse(await PropertyAsync(unit, property), CultureInfo.InvariantCulture);

    /// <summary>The same property of every unit, in order, from one <c>systemctl show</c> (many units: one call into the container).</summary>
    public async Task<long[]> MonotonicAsync(string property, IEnumerable<string> units) =>
        (await SystemctlAsync(["show", "-P", property, .. units])).EnsureSuccess().StdOut
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(t => long.Parse(t.Trim(), CultureInfo.InvariantCulture))
            .ToArray();

    /// <summary>Runs a command inside the container; never throws for a failing command.</summary>
    public Task<CommandResult> RunAsync(params string[] command) =>
        RepoScripts.RunAsync("nspawn-host", ["run", Name, "--", .. command], CommandTimeout);

    /// <summary><c>systemctl</c> inside the container.</summary>
    public Task<CommandResult> SystemctlAsync(params string[] arguments) => RunAsync(["systemctl", .. arguments]);

    /// <summary>A unit property (<c>systemctl show -P</c>).</summary>
    public async Task<string> PropertyAsync(string unit, string property) =>
        (await SystemctlAsync("show", "-P", property, unit)).EnsureSuccess().StdOut.Trim();

    /// <summary>This boot's journal for <paramref name="units"/> (all of it when none).</summary>
    public async Task<string> JournalAsync(params string[] units)
    {
        return (await RunAsync(["journalctl", "-b", "--no-pager", "-o", "short-precise", .. UnitFilter(units)])).StdOut;
    }

    /// <summary>
    /// The journal of <paramref name="units"/> kept on this machine (<see cref="BootOptions.KeepJournal"/>),
    /// every boot of it: readable after a power-off, when the stop jobs are what is in question.
    /// </summary>
    public async Task<string> KeptJournalAsync(params string[] units)
    {
        if (_journal is null)
        {
            return "(no journal kept: boot with KeepJournal)";
        }

        CommandResult journal = await Processes.RunAsync("journalctl", ["--directory", _journal, "--no-pager", "-o", "short-precise", .. UnitFilter(units)]);
        return journal.StdOut + journal.StdErr;
    }

    /// <summary>journalctl's <c>-u UNIT</c> for each of <paramref name="units"/>.</summary>
    private static IEnumerable<string> UnitFilter(string[] units) => units.SelectMany(unit => new[] { "-u", unit });

    /// <summary>
    /// Polls <paramref name="command"/> inside the container until it succeeds; on timeout,
    /// throws with the journal of <paramref name="units"/> so the failure says why.
    /// </summary>
    public async Task WaitForAsync(string what, TimeSpan timeout, string[] command, params string[] units)
    {
        var clock = Stopwatch.StartNew();
        while (!(await RunAsync(command)).Succeeded)
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"{HostName}: {what} did not happen within {timeout.TotalSeconds:0} s; journal:\n{await JournalAsync(units)}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Waits until <paramref name="unit"/> is active.</summary>
    public Task WaitUntilActiveAsync(string unit, TimeSpan timeout, params string[] journalUnits) =>
        WaitForAsync($"{unit} active", timeout, ["systemctl", "is-active", "--quiet", unit], [unit, .. journalUnits]);

    public async ValueTask DisposeAsync()
    {
        try
        {
            // Idempotent: after a power-off or a kill it only makes sure nothing is left.
            (await RepoScripts.RunAsync("nspawn-host", ["stop", Name], TimeSpan.FromSeconds(120))).EnsureSuccess();
        }
        finally
        {
            Directory.Delete(EtcCeph, recursive: true);
        }
    }
}

/// <summary>How a <see cref="BootedHost"/> boots.</summary>
public sealed record BootOptions
{
    /// <summary>Its /etc/machine-id (32 hex digits); null: a new one each boot.</summary>
    public string? MachineId { get; init; }

    /// <summary><c>NAME=VALUE</c> environment for every rbdfence@ unit (e.g. <c>RBDFENCE_BOOT_ID=...</c>).</summary>
    public IReadOnlyList<string> UnitEnvironment { get; init; } = [];

    /// <summary>
    /// No rbdfence installed, and apt and dpkg can install packages (<c>nspawn-host boot
    /// --writable-os</c>: /usr and their state through throwaway overlays).
    /// </summary>
    public bool WritableOs { get; init; }

    /// <summary>
    /// Its journal is kept on this machine (<c>nspawn-host boot --journal-dir</c>), so that
    /// what its units did while it powered off can be read (<see cref="BootedHost.KeptJournalAsync"/>).
    /// </summary>
    public bool KeepJournal { get; init; }

    /// <summary>Loop devices the host gets at least (<c>nspawn-host boot --loop-devices</c>); null: the script's default.</summary>
    public int? LoopDevices { get; init; }
}
