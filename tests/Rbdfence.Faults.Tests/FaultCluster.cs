using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;

namespace Rbdfence.Faults.Tests;

/// <summary>
/// The fault tier's cluster: one throwaway cluster in a namespace of its own and
/// <see cref="HostCount"/> hosts, each a namespace with its own address, as
/// MultiHostCluster. Two differences: the OSD is on bluestore (a file under the cluster's
/// directory) so that it can be restarted with its data, and every host identity gets its
/// own RBDFENCE_STATE_DIR. Nothing touches the root namespace's network.
/// </summary>
public sealed class FaultCluster : IAsyncLifetime
{
    public const string Collection = "fault-cluster";

    public const int HostCount = 6;

    /// <summary>The host that only reads, for the oracle.</summary>
    public const int OracleHost = 6;

    /// <summary>Short, so that a dead holder's watch expires in seconds.</summary>
    public const int WatchTimeoutSeconds = 5;

    /// <summary>What every acquire and hold of this tier passes as --grace.</summary>
    public const int GraceSeconds = 3;

    private readonly string _prefix = "rz" + Random.Shared.Next(0x10000).ToString("x4", CultureInfo.InvariantCulture);
    private readonly string _subnet = "10.77." + Random.Shared.Next(200, 250).ToString(CultureInfo.InvariantCulture);
    private CephCluster? _cluster;
    private bool _namespaces;
    private bool _shared;

    public CephCluster Cluster => _cluster ?? throw new InvalidOperationException("the fault cluster is not up");

    /// <summary>Scratch space of this run: state directories, logs, mount points.</summary>
    public string WorkDir { get; } = Directory.CreateTempSubdirectory("rbdfence-faults.").FullName;

    public string Subnet => _subnet;

    /// <summary>Host <paramref name="i"/> (1-based) with its own identity.</summary>
    public FaultHost Host(int i) => Identity(i, $"host-{i}");

    /// <summary>
    /// A host identity <paramref name="name"/> living in host <paramref name="i"/>'s namespace:
    /// several of them share one IP (NAT, containers of one machine).
    /// </summary>
    public FaultHost Identity(int i, string name) =>
        i is >= 1 and <= HostCount
            ? new FaultHost(this, name, $"{_prefix}-h{i}", $"{_subnet}.{10 + i}", Path.Combine(WorkDir, "state", name))
            : throw new ArgumentOutOfRangeException(nameof(i));

    public string NamespaceOf(int i) => $"{_prefix}-h{i}";

    public async Task InitializeAsync()
    {
        // Host processes share this machine's mount table (nsenter --net), but the Ceph
        // daemons that scripts/ceph-cluster (re)starts run under `ip netns exec`, which copies
        // it (this machine's / is private): a host's file system mounted here would live on
        // in an OSD restarted after it, keeping its loop device busy after the unmount.
        // Under a shared mount, unmounts reach those copies too.
        (await Processes.RunAsync("mount", ["--bind", WorkDir, WorkDir])).EnsureSuccess();
        _shared = true;
        (await Processes.RunAsync("mount", ["--make-shared", WorkDir])).EnsureSuccess();

        (await CephCluster.RunScriptAsync("netns-up", "--prefix", _prefix, "--hosts", HostCount.ToString(CultureInfo.InvariantCulture), "--subnet", _subnet))
            .EnsureSuccess();
        _namespaces = true;
        _cluster = await CephCluster.StartAsync(extraArguments:
        [
            "--netns", $"{_prefix}-cluster", "--addr", $"{_subnet}.1",
            "--set", $"osd_client_watch_timeout={WatchTimeoutSeconds}",
            // Restartable with its data (memstore loses everything), small and sparse.
            "--set", "osd objectstore=bluestore",
            "--set", "bluestore block size=4294967296",
            "--set", "bluestore fsck on mkfs=false",
            "--set", "osd memory target=1073741824",
            // For investigations: more `KEY=VALUE` settings, ';'-separated (e.g. "rbd cache=false").
            .. (Environment.GetEnvironmentVariable("RBDFENCE_FAULTS_CEPH_SET") ?? string.Empty)
                .Split(';', StringSplitOptions.RemoveEmptyEntries).SelectMany(kv => new[] { "--set", kv.Trim() }),
        ]);
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        if (_namespaces)
        {
            await CephCluster.RunScriptAsync("netns-down", "--prefix", _prefix);
        }

        if (_shared)
        {
            (await Processes.RunAsync("umount", ["-l", WorkDir])).EnsureSuccess();
        }

        Directory.Delete(WorkDir, recursive: true);
    }

    /// <summary>Creates a fresh advisory-mode image.</summary>
    public async Task<string> CreateImageAsync(string prefix)
    {
        string name = $"{prefix}-{Guid.NewGuid():N}"[..20];
        (await Cluster.RbdAsync("create", "--size", "64M", "--image-feature", "layering", "rbd/" + name)).EnsureSuccess();
        return "rbd/" + name;
    }

    /// <summary><c>scripts/ceph-cluster restart-osd|restart-mon --down S</c> on this cluster.</summary>
    public async Task RestartAsync(string daemon, double downSeconds) =>
        (await Processes.RunAsync(CephCluster.Script, [$"restart-{daemon}", "--dir", Cluster.Dir, "--down", downSeconds.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(150)))
            .EnsureSuccess();
}

[CollectionDefinition(FaultCluster.Collection)]
public sealed class FaultCollection : ICollectionFixture<FaultCluster>;
