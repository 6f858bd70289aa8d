using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
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

    private bool _running;

    private BootedHost(string name, string hostName, string etcCeph)
    {
        Name = name;
        HostName = hostName;
        EtcCeph = etcCeph;
    }

    /// <summary>The container's name (unique on this machine).</summary>
    public string Name { get; }

    /// <summary>Its hostname: the name rbdfence puts in its lock cookie.</summary>
    public string HostName { get; }

    /// <summary>The directory the container sees as /etc/ceph.</summary>
    public string EtcCeph { get; }

    /// <summary>The table, as the host's side of the container's /etc/ceph/rbdfencetab.</summary>
    public string Table => Path.Join(EtcCeph, "rbdfencetab");

    /// <summary>Boots host <paramref name="index"/> with <paramref name="table"/> as its rbdfencetab.</summary>
    public static async Task<BootedHost> BootAsync(BootCluster cluster, int index, string table)
    {
        string hostName = $"boot-{index}";
        string etcCeph = Directory.CreateDirectory(Path.Join(cluster.Work, hostName + "-etc-ceph-" + Guid.NewGuid().ToString("N")[..6])).FullName;
        File.WriteAllText(Path.Join(etcCeph, "rbdfencetab"), table);
        var host = new BootedHost($"{cluster.Prefix}-{hostName}", hostName, etcCeph);
        (await RepoScripts.RunAsync("nspawn-host",
        [
            "boot", host.Name, "--hostname", hostName, "--netns", cluster.HostNamespace(index),
            "--install", cluster.InstallTree, "--etc-ceph", etcCeph,
            "--bind-ro", cluster.Cluster.Dir, "--bind-ro", cluster.Shared,
            "--watch-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
        ], CommandTimeout)).EnsureSuccess();
        host._running = true;
        return host;
    }

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
        var arguments = new List<string> { "journalctl", "-b", "--no-pager", "-o", "short-precise" };
        foreach (string unit in units)
        {
            arguments.Add("-u");
            arguments.Add(unit);
        }

        return (await RunAsync([.. arguments])).StdOut;
    }

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
        if (_running)
        {
            _running = false;
            (await RepoScripts.RunAsync("nspawn-host", ["stop", Name], TimeSpan.FromSeconds(120))).EnsureSuccess();
        }

        Directory.Delete(EtcCeph, recursive: true);
    }
}
