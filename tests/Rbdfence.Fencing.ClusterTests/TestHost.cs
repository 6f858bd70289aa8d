using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Rbdfence.TestCluster;

namespace Rbdfence.Fencing.ClusterTests;

/// <summary>
/// A "host": a network namespace with its own address, where rbdfence runs with its own
/// identity (hostname, machine-id, boot-id), as it would on a separate machine.
/// </summary>
public sealed class TestHost(MultiHostCluster cluster, string name, string netns, string address)
{
    public string Name { get; } = name;

    public string Namespace { get; } = netns;

    public string Address { get; } = address;

    /// <summary>What this host's whole-host blocklist entry looks like.</summary>
    public string WholeHostEntry => Address + ":0/0";

    /// <summary>Runs <c>rbdfence ARGS --conf CONF</c> on this host.</summary>
    public Task<CommandResult> RbdfenceAsync(params string[] arguments) =>
        cluster.Cluster.RunAsync("env", RbdfenceCommandLine(arguments)[1..], TimeSpan.FromSeconds(120), Namespace);

    /// <summary>The command line that runs <c>rbdfence ARGS --conf CONF</c> as this host, for a script to run.</summary>
    public string[] RbdfenceCommandLine(params string[] arguments) =>
        ["env", .. Identity(), "dotnet", BuiltTools.Rbdfence, .. arguments, "--conf", cluster.Cluster.ConfPath, .. LeastPrivilege];

    /// <summary>Runs any command on this host (in its namespace), with the cluster's CEPH_CONF.</summary>
    public Task<CommandResult> RunAsync(string tool, params string[] arguments) =>
        cluster.Cluster.RunAsync(tool, arguments, TimeSpan.FromSeconds(120), Namespace);

    /// <summary>Starts <c>rbdfence ARGS</c> on this host without waiting for it.</summary>
    public BackgroundProcess StartRbdfence(params string[] arguments) => StartRbdfenceWith([], arguments);

    /// <summary>Starts <c>rbdfence ARGS</c> with extra <c>NAME=VALUE</c> environment entries (e.g. NOTIFY_SOCKET).</summary>
    public BackgroundProcess StartRbdfenceWith(string[] environment, params string[] arguments) =>
        Start("env", [.. Identity(), .. environment, "dotnet", BuiltTools.Rbdfence, .. arguments, "--conf", cluster.Cluster.ConfPath, .. LeastPrivilege]);

    /// <summary>Starts this host's shared connection, <c>rbdfence daemon</c> (rbdfenced.service), with its identity.</summary>
    public BackgroundProcess StartRbdfenceDaemon(params string[] environment) =>
        Start("env", [.. Identity(), .. environment, "dotnet", BuiltTools.Rbdfence, "daemon"]);

    /// <summary>Starts any command on this host without waiting for it.</summary>
    public BackgroundProcess Start(string tool, params string[] arguments)
    {
        (string fileName, List<string> inNamespace) = NetworkNamespaces.Command(Namespace, tool, arguments);
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in inNamespace)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["CEPH_CONF"] = cluster.Cluster.ConfPath;
        psi.Environment["CEPH_KEYRING"] = cluster.Cluster.KeyringPath;
        psi.Environment.Remove("CEPH_ARGS");
        return new BackgroundProcess(Process.Start(psi)!);
    }

    /// <summary>rbdfence runs as the cluster's client.rbdfence (mon/osd 'profile rbd', docs/SECURITY.md), not as admin.</summary>
    private static readonly string[] LeastPrivilege = ["--id", "rbdfence"];

    private string[] Identity() =>
    [
        "RBDFENCE_HOSTNAME=" + Name,
        "RBDFENCE_MACHINE_ID=" + Id("machine-" + Name),
        "RBDFENCE_BOOT_ID=" + Id("boot-" + Name),
        "RBDFENCE_STATE_DIR=" + StateDirectory,
    ];

    /// <summary>This host's own state directory (its leases), as /run is on a real host.</summary>
    public string StateDirectory => System.IO.Path.Combine(System.IO.Path.GetTempPath(), "rbdfence-state", Namespace);

    private static string Id(string seed) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(seed)));
}

/// <summary>A process left running (a waiter, a watcher, a writer), killed when disposed.</summary>
public sealed class BackgroundProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _stdoutSoFar = new();
    private readonly System.Text.StringBuilder _stderrSoFar = new();
    private readonly Task _stdout;
    private readonly Task _stderr;

    public BackgroundProcess(Process process)
    {
        _process = process;
        _stdout = CopyAsync(process.StandardOutput, _stdoutSoFar);
        _stderr = CopyAsync(process.StandardError, _stderrSoFar);
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The process id (<c>nsenter</c> execs the command, so it is the command's own).</summary>
    public int Pid => _process.Id;

    /// <summary>SIGTERM, as systemd stops a service.</summary>
    public void Terminate() => Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    /// <summary>SIGKILL, as a crash or a power cut would: no cleanup runs.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>What it printed so far.</summary>
    public (string StdOut, string StdErr) OutputSoFar
    {
        get
        {
            lock (_stdoutSoFar)
            {
                lock (_stderrSoFar)
                {
                    return (_stdoutSoFar.ToString(), _stderrSoFar.ToString());
                }
            }
        }
    }

    /// <summary>
    /// Waits until what it printed so far satisfies <paramref name="done"/> (a line it prints
    /// once it reached a state: observable, where a fixed sleep would only guess).
    /// </summary>
    public async Task WaitForOutputAsync(Func<string, string, bool> done, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            (string stdout, string stderr) = OutputSoFar;
            if (done(stdout, stderr))
            {
                return;
            }

            if (_process.HasExited && _stdout.IsCompleted && _stderr.IsCompleted)
            {
                throw new InvalidOperationException($"exited {_process.ExitCode} before {what}: {stdout}{stderr}");
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"no {what} after {timeout}: {stdout}{stderr}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits until a line of its stderr contains <paramref name="text"/>.</summary>
    public Task WaitForStdErrAsync(string text, TimeSpan timeout) =>
        WaitForOutputAsync((_, stderr) => stderr.Contains(text, StringComparison.Ordinal), timeout, $"'{text}' on stderr");

    /// <summary>Waits for the exit (at most <paramref name="timeout"/>) and returns code and output.</summary>
    public async Task<(int ExitCode, string StdOut, string StdErr)> WaitAsync(TimeSpan timeout)
    {
        Task exited = _process.WaitForExitAsync();
        if (await Task.WhenAny(exited, Task.Delay(timeout)) != exited)
        {
            // As systemd at a stop timeout: SIGTERM first, so that a holder still running
            // when a test fails unmaps in order and leaves no device behind; then SIGKILL.
            Terminate();
            if (await Task.WhenAny(exited, Task.Delay(TimeSpan.FromSeconds(15))) != exited)
            {
                Kill();
            }

            throw new TimeoutException($"still running after {timeout}: {await Output()}");
        }

        await Task.WhenAll(_stdout, _stderr);
        (string stdout, string stderr) = OutputSoFar;
        return (_process.ExitCode, stdout, stderr);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static async Task CopyAsync(System.IO.StreamReader reader, System.Text.StringBuilder into)
    {
        char[] buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (into)
            {
                into.Append(buffer, 0, read);
            }
        }
    }

    private async Task<string> Output()
    {
        Kill();
        await _process.WaitForExitAsync();
        await Task.WhenAll(_stdout, _stderr);
        (string stdout, string stderr) = OutputSoFar;
        return stdout + stderr;
    }
}

/// <summary>Reads what <c>rbdfence --json</c> printed.</summary>
internal static class JsonResult
{
    public static JsonElement Parse(string stdout) => JsonDocument.Parse(stdout.Trim().Split('\n').Last()).RootElement;

    public static string Text(this JsonElement e, string property) => e.GetProperty(property).GetString() ?? string.Empty;

    public static long At(this JsonElement e) => e.GetProperty("at").GetInt64();

    public static double Median(this IEnumerable<double> values)
    {
        double[] v = values.OrderBy(x => x).ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
    }
}
