using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;
using Rbdfence.TestCluster;

namespace Rbdfence.Faults.Tests;

/// <summary>
/// A host identity (hostname, machine-id, boot-id, state directory) in a host namespace
/// (its own address): what rbdfence would see on a separate machine. Several identities
/// may share one namespace, as hosts behind one IP do.
/// </summary>
public sealed class FaultHost(FaultCluster cluster, string name, string netns, string address, string stateDir)
{
    public string Name { get; } = name;

    public string Namespace { get; } = netns;

    public string Address { get; } = address;

    public string StateDir { get; } = stateDir;

    /// <summary>What this host's whole-host blocklist entry looks like.</summary>
    public string WholeHostEntry => Address + ":0/0";

    /// <summary>rbdfence runs as the cluster's client.rbdfence (mon/osd 'profile rbd', docs/SECURITY.md), not as admin.</summary>
    private static readonly string[] LeastPrivilege = ["--id", "rbdfence"];

    /// <summary>Runs <c>rbdfence ARGS</c> on this host, with extra NAME=VALUE environment entries.</summary>
    public Task<CommandResult> RbdfenceAsync(string[] environment, params string[] arguments) =>
        cluster.Cluster.RunAsync("env", [.. Identity(), .. environment, "dotnet", BuiltTools.Rbdfence, .. arguments, "--conf", cluster.Cluster.ConfPath, .. LeastPrivilege],
            TimeSpan.FromSeconds(120), Namespace);

    public Task<CommandResult> RbdfenceAsync(params string[] arguments) => RbdfenceAsync([], arguments);

    /// <summary>Runs any command in this host's namespace, with the cluster's CEPH_CONF.</summary>
    public Task<CommandResult> RunAsync(string tool, params string[] arguments) =>
        cluster.Cluster.RunAsync(tool, arguments, TimeSpan.FromSeconds(120), Namespace);

    /// <summary>Starts <c>rbdfence ARGS</c> with extra NAME=VALUE environment entries, without waiting.</summary>
    public BackgroundProcess StartRbdfence(string[] environment, params string[] arguments) =>
        Start("env", [.. Identity(), .. environment, "dotnet", BuiltTools.Rbdfence, .. arguments, "--conf", cluster.Cluster.ConfPath, .. LeastPrivilege]);

    /// <summary>Starts any command in this host's namespace without waiting for it.</summary>
    public BackgroundProcess Start(string tool, params string[] arguments)
    {
        (string fileName, List<string> inNamespace) = NetworkNamespaces.Command(Namespace, tool, arguments);
        var psi = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in inNamespace)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["CEPH_CONF"] = cluster.Cluster.ConfPath;
        psi.Environment["CEPH_KEYRING"] = cluster.Cluster.KeyringPath;
        psi.Environment.Remove("CEPH_ARGS");
        return new BackgroundProcess(Process.Start(psi)!);
    }

    /// <summary>Pulls this host's cable (every identity behind its address loses the network).</summary>
    public async Task LinkAsync(bool up) =>
        (await Processes.RunAsync("ip", ["-n", Namespace, "link", "set", "eth0", up ? "up" : "down"])).EnsureSuccess();

    private string[] Identity()
    {
        Directory.CreateDirectory(StateDir);
        return
        [
            "RBDFENCE_HOSTNAME=" + Name,
            "RBDFENCE_MACHINE_ID=" + Id("machine-" + Name),
            "RBDFENCE_BOOT_ID=" + Id("boot-" + Name),
            "RBDFENCE_STATE_DIR=" + StateDir,
        ];
    }

    private static string Id(string seed) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(seed)));
}

/// <summary>A process left running (a holder, a waiter, a writer), killed when disposed.</summary>
public sealed class BackgroundProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    public BackgroundProcess(Process process)
    {
        _process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The process id (<c>nsenter</c> and <c>env</c> exec the command, so it is the command's own).</summary>
    public int Pid => _process.Id;

    public void Signal(string signal) => Local.Kill(signal, Pid);

    /// <summary>SIGKILL, as a crash would: no cleanup runs.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    /// <summary>Waits for the exit (at most <paramref name="timeout"/>); null when it is still running.</summary>
    public async Task<(int ExitCode, string StdOut, string StdErr)?> TryWaitAsync(TimeSpan timeout)
    {
        Task exited = _process.WaitForExitAsync();
        if (await Task.WhenAny(exited, Task.Delay(timeout)) != exited)
        {
            return null;
        }

        return (_process.ExitCode, await _stdout, await _stderr);
    }

    public async Task<(int ExitCode, string StdOut, string StdErr)> WaitAsync(TimeSpan timeout, string what) =>
        await TryWaitAsync(timeout) ?? throw new TimeoutException($"{what}: still running after {timeout}");

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}

/// <summary>Commands in the test's own namespaces (mounts made here are the hosts' file systems) and /proc.</summary>
internal static class Local
{
    public static async Task<CommandResult> RunAsync(string tool, params string[] arguments) =>
        await Processes.RunAsync(tool, arguments, TimeSpan.FromSeconds(120));

    public static void Kill(string signal, int pid) =>
        Processes.RunAsync("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]).GetAwaiter().GetResult();

    /// <summary>The inode of a network namespace, as /proc/PID/ns/net names it.</summary>
    public static string NamespaceId(string netns) =>
        "net:[" + Stat(Path.Combine("/run/netns", netns)) + "]";

    /// <summary>Loop devices whose back file names <paramref name="image"/>.</summary>
    public static async Task<List<string>> LoopDevicesOf(string image)
    {
        var found = new List<string>();
        string list = (await RunAsync("losetup", "-n", "-l", "-O", "NAME,BACK-FILE")).StdOut;
        foreach (string line in list.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = line.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[1].Contains(image, StringComparison.Ordinal))
            {
                found.Add(parts[0]);
            }
        }

        return found;
    }

    private static string Stat(string path) => Processes.RunAsync("stat", ["-L", "-c", "%i", path]).GetAwaiter().GetResult().EnsureSuccess().StdOut.Trim();
}
