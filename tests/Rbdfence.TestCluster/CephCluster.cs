using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Rbdfence.TestCluster;

/// <summary>
/// A throwaway Ceph cluster made by <c>scripts/ceph-cluster</c>: one mon, one mgr, one
/// memstore OSD, cephx on, pool <c>rbd</c> ready. <see cref="StartAsync"/> makes a new one
/// (and <see cref="DisposeAsync"/> tears it down); <see cref="AttachAsync"/> uses one that
/// someone else started and leaves it running.
/// </summary>
public sealed class CephCluster : IAsyncDisposable
{
    /// <summary>How long <c>ceph-cluster up</c> may take, package installation included.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(10);

    /// <summary>How long a CLI command run through <see cref="RunAsync"/> may take by default.</summary>
    public static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan DownTimeout = TimeSpan.FromSeconds(60);

    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly ExitCleanup? _cleanup;

    private CephCluster(
        IReadOnlyDictionary<string, string> environment, bool owned, string startupLog, ExitCleanup? cleanup = null)
    {
        _cleanup = cleanup;
        _environment = environment;
        Owned = owned;
        StartupLog = startupLog;
        ConfPath = Required("CEPH_CONF");
        KeyringPath = Required("CEPH_KEYRING");
        Dir = Required("CEPH_CLUSTER_DIR");
        MonAddress = Required("CEPH_MON_ADDR");
        MonHost = environment.GetValueOrDefault("CEPH_MON_HOST") ?? MonAddress;
        NetworkNamespace = environment.GetValueOrDefault("CEPH_NETNS") is { Length: > 0 } ns ? ns : null;

        string Required(string name) =>
            environment.TryGetValue(name, out string? value) && value.Length > 0
                ? value
                : throw new InvalidOperationException($"scripts/ceph-cluster printed no {name}:\n{startupLog}");
    }

    /// <summary>The cluster's directory (config, keyrings, logs, sockets).</summary>
    public string Dir { get; }

    /// <summary>The client configuration file; it names the keyring in its [client] section.</summary>
    public string ConfPath { get; }

    /// <summary>The keyring with client.admin and client.rbdfence (caps <c>profile rbd</c>).</summary>
    public string KeyringPath { get; }

    /// <summary>The mon's msgr v1 address, <c>ip:port</c> (what the kernel client takes).</summary>
    public string MonAddress { get; }

    /// <summary>Both mon addresses as in <c>mon host</c>: <c>[v2:ip:port+1,v1:ip:port]</c>.</summary>
    public string MonHost { get; }

    /// <summary>The network namespace the daemons run in, or null for the root namespace.</summary>
    public string? NetworkNamespace { get; }

    /// <summary>True when this object started the cluster and will tear it down.</summary>
    public bool Owned { get; }

    /// <summary>What <c>ceph-cluster up</c> (or <c>env</c>) wrote to standard error.</summary>
    public string StartupLog { get; }

    /// <summary>The environment a client of this cluster needs (CEPH_CONF and friends).</summary>
    public IReadOnlyDictionary<string, string> Environment => _environment;

    /// <summary>The repository's <c>scripts/ceph-cluster</c>.</summary>
    public static string Script => Path.Combine(RepoRoot.Find(), "scripts", "ceph-cluster");

    /// <summary>
    /// Starts a new cluster in <paramref name="dir"/> (a new temporary directory when null).
    /// <paramref name="extraArguments"/> go to <c>up</c> as they are, e.g.
    /// <c>["--set", "osd_client_watch_timeout=10"]</c>. Throws with the script's output when
    /// the cluster does not come up. The cluster is also torn down when this process exits
    /// or dies without disposing it (ProcessExit handler, and a watchdog for SIGKILL).
    /// </summary>
    public static async Task<CephCluster> StartAsync(
        string? dir = null,
        IEnumerable<string>? extraArguments = null,
        CancellationToken cancellationToken = default)
    {
        bool createdDir = dir is null;
        dir ??= Directory.CreateTempSubdirectory("rbdfence-ceph.").FullName;
        // --watch-pid: a detached watchdog takes the cluster down when this process ends
        // without doing so itself, even when it is SIGKILLed.
        var arguments = new List<string>
        {
            "up", "--dir", dir, "--watch-pid", System.Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
        };
        arguments.AddRange(extraArguments ?? []);

        // Registered before `up` runs: a run stopped (SIGTERM, Ctrl-C) while the cluster is
        // still starting kills `up` and takes down what it had started.
        var cleanup = new ExitCleanup(dir);
        cleanup.Register();
        CommandResult result = await ProcessRunner.RunAsync(
            Script, arguments, StartTimeout, ScriptEnvironment, cancellationToken, started: p => cleanup.Up = p)
            .ConfigureAwait(false);
        cleanup.Up = null;
        if (!result.Succeeded)
        {
            // Whatever got started must not outlive the failure.
            if (cleanup.TryClaim())
            {
                cleanup.Unregister();
                await RunDownAsync(dir).ConfigureAwait(false);
                if (createdDir && Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any())
                {
                    Directory.Delete(dir);
                }
            }

            throw new InvalidOperationException($"the test Ceph cluster did not start: {result}");
        }

        return new CephCluster(ParseEnvironment(result.StdOut), owned: true, result.StdErr, cleanup);
    }

    /// <summary>
    /// Uses the running cluster in <paramref name="dir"/> (started by someone else, e.g.
    /// scripts/test); disposing it leaves the cluster running.
    /// </summary>
    public static async Task<CephCluster> AttachAsync(string dir, CancellationToken cancellationToken = default)
    {
        CommandResult result = await ProcessRunner.RunAsync(
            Script, ["env", "--dir", dir], TimeSpan.FromSeconds(30), ScriptEnvironment, cancellationToken)
            .ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"cannot use the test Ceph cluster in {dir}: {result}");
        }

        return new CephCluster(ParseEnvironment(result.StdOut), owned: false, result.StdErr);
    }

    /// <summary>
    /// Parses the <c>NAME=value</c> lines <c>ceph-cluster up</c>/<c>env</c> print (values
    /// optionally in single quotes; the <c>export</c> line is ignored).
    /// </summary>
    public static IReadOnlyDictionary<string, string> ParseEnvironment(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string rawLine in text.Split('\n'))
        {
            string line = rawLine.Trim();
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || line.StartsWith("export ", StringComparison.Ordinal))
            {
                continue;
            }

            string name = line[..equals];
            if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                continue;
            }

            string value = line[(equals + 1)..];
            if (value.Length >= 2 && value[0] == '\'' && value[^1] == '\'')
            {
                value = value[1..^1];
            }

            result[name] = value;
        }

        return result;
    }

    /// <summary>
    /// Runs a Ceph CLI (<c>rbd</c>, <c>ceph</c>, <c>rados</c>, ...) against this cluster:
    /// CEPH_CONF and CEPH_KEYRING point at it, CEPH_ARGS is cleared, and in namespace mode the command runs
    /// inside <paramref name="networkNamespace"/> (default: the cluster's own namespace).
    /// Never throws for a failing command; see <see cref="CommandResult.EnsureSuccess"/>.
    /// </summary>
    public Task<CommandResult> RunAsync(
        string tool,
        IEnumerable<string> arguments,
        TimeSpan? timeout = null,
        string? networkNamespace = null,
        CancellationToken cancellationToken = default)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            // librados reads all three; an inherited CEPH_KEYRING would even beat the conf's.
            ["CEPH_CONF"] = ConfPath,
            ["CEPH_KEYRING"] = KeyringPath,
            ["CEPH_ARGS"] = null,
        };
        networkNamespace ??= NetworkNamespace;
        string fileName = tool;
        IEnumerable<string> fullArguments = arguments;
        if (networkNamespace is not null)
        {
            (fileName, List<string> inNamespace) = NetworkNamespaces.Command(networkNamespace, tool, arguments);
            fullArguments = inNamespace;
        }

        return ProcessRunner.RunAsync(
            fileName, fullArguments.ToList(), timeout ?? DefaultCommandTimeout, environment, cancellationToken);
    }

    /// <summary>
    /// Runs <c>scripts/ceph-cluster</c> with <paramref name="arguments"/> (e.g. <c>down --dir
    /// DIR</c>, <c>netns-up</c>), bounded by a minute; never throws for a failing run.
    /// </summary>
    public static Task<CommandResult> RunScriptAsync(params string[] arguments) =>
        ProcessRunner.RunAsync(Script, arguments, DownTimeout, ScriptEnvironment);

    /// <summary>Runs <c>rbd</c> against this cluster.</summary>
    public Task<CommandResult> RbdAsync(params string[] arguments) => RunAsync("rbd", arguments);

    /// <summary>Runs <c>ceph</c> against this cluster.</summary>
    public Task<CommandResult> CephAsync(params string[] arguments) => RunAsync("ceph", arguments);

    /// <summary>Runs <c>rados</c> against this cluster.</summary>
    public Task<CommandResult> RadosAsync(params string[] arguments) => RunAsync("rados", arguments);

    /// <summary>
    /// Tears the cluster down (<c>ceph-cluster down</c>) if this object started it; throws
    /// with the script's output when that fails. Later calls do nothing.
    /// </summary>
    public async Task DownAsync()
    {
        if (!Owned || _cleanup is null || !_cleanup.TryClaim())
        {
            return;
        }

        _cleanup.Unregister();
        CommandResult result = await RunDownAsync(Dir).ConfigureAwait(false);
        result.EnsureSuccess();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await DownAsync().ConfigureAwait(false);

    private static IReadOnlyDictionary<string, string?> ScriptEnvironment { get; } =
        new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            // The script resolves its directory from --dir, never from an inherited one.
            ["CEPH_CLUSTER_DIR"] = null,
            ["CEPH_CONF"] = null,
            ["CEPH_KEYRING"] = null,
            ["CEPH_ARGS"] = null,
        };

    private static Task<CommandResult> RunDownAsync(string dir) => RunScriptAsync("down", "--dir", dir);

    /// <summary>
    /// Takes the cluster down when the process exits without having done so (SIGTERM,
    /// Ctrl-C, a test run ending without disposal). A SIGKILLed run cannot; running
    /// `ceph-cluster down --dir DIR` later cleans up after it.
    /// </summary>
    private sealed class ExitCleanup
    {
        private readonly string _dir;
        private readonly EventHandler _handler;
        private int _claimed;

        public ExitCleanup(string dir)
        {
            _dir = dir;
            _handler = (_, _) => OnProcessExit();
        }

        /// <summary>The running `up`, killed first if the process exits meanwhile.</summary>
        public Process? Up { get; set; }

        /// <summary>True for the one caller that gets to take the cluster down.</summary>
        public bool TryClaim() => Interlocked.Exchange(ref _claimed, 1) == 0;

        public void Register() => AppDomain.CurrentDomain.ProcessExit += _handler;

        public void Unregister() => AppDomain.CurrentDomain.ProcessExit -= _handler;

        private void OnProcessExit()
        {
            if (!TryClaim())
            {
                return;
            }

            try
            {
                Up?.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException or System.ComponentModel.Win32Exception)
            {
                // `up` already finished.
            }

            RunDownAsync(_dir).GetAwaiter().GetResult();
        }
    }
}
