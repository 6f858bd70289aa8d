using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Xunit;

namespace Rbdfence.TestCluster;

/// <summary>
/// xunit fixture giving tests one throwaway Ceph cluster. Share it per test assembly by
/// declaring, once in that assembly (xunit only looks for collection definitions there):
/// <code>
/// [CollectionDefinition(CephClusterFixture.Collection)]
/// public sealed class CephClusterCollection : ICollectionFixture&lt;CephClusterFixture&gt; { }
/// </code>
/// and marking test classes <c>[Collection(CephClusterFixture.Collection)]</c>.
/// <para>
/// When <c>RBDFENCE_TEST_CLUSTER_DIR</c> (or <c>CEPH_CLUSTER_DIR</c>) names a cluster made
/// by <c>scripts/ceph-cluster</c>, as scripts/test does, that cluster is used and left
/// running; otherwise the fixture starts its own and tears it down afterwards. A bare
/// CEPH_CONF is deliberately not enough: tests create and break things, and must never
/// run against a real cluster by accident. When the cluster cannot start, every test of
/// the collection fails with the reason.
/// </para>
/// </summary>
public sealed class CephClusterFixture : IAsyncLifetime
{
    /// <summary>The xunit collection name of the shared cluster.</summary>
    public const string Collection = "ceph-cluster";

    /// <summary>Names a running cluster's directory to reuse instead of starting one.</summary>
    public const string ClusterDirVariable = "RBDFENCE_TEST_CLUSTER_DIR";

    private CephCluster? _cluster;

    /// <summary>The cluster; valid once xunit has initialised the fixture.</summary>
    public CephCluster Cluster =>
        _cluster ?? throw new InvalidOperationException("the Ceph cluster fixture is not initialised");

    /// <summary>The cluster's directory.</summary>
    public string Dir => Cluster.Dir;

    /// <summary>The client configuration file (names the keyring too).</summary>
    public string ConfPath => Cluster.ConfPath;

    /// <summary>The keyring with client.admin and client.rbdfence.</summary>
    public string KeyringPath => Cluster.KeyringPath;

    /// <summary>The mon's msgr v1 address, ip:port.</summary>
    public string MonAddress => Cluster.MonAddress;

    /// <summary>Runs a Ceph CLI against the cluster; see <see cref="CephCluster.RunAsync"/>.</summary>
    public Task<CommandResult> RunAsync(string tool, IEnumerable<string> arguments, TimeSpan? timeout = null) =>
        Cluster.RunAsync(tool, arguments, timeout);

    /// <summary>Runs <c>rbd</c> against the cluster.</summary>
    public Task<CommandResult> RbdAsync(params string[] arguments) => Cluster.RbdAsync(arguments);

    /// <summary>Runs <c>ceph</c> against the cluster.</summary>
    public Task<CommandResult> CephAsync(params string[] arguments) => Cluster.CephAsync(arguments);

    /// <summary>Runs <c>rados</c> against the cluster.</summary>
    public Task<CommandResult> RadosAsync(params string[] arguments) => Cluster.RadosAsync(arguments);

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        string? shared = System.Environment.GetEnvironmentVariable(ClusterDirVariable);
        if (string.IsNullOrEmpty(shared))
        {
            shared = System.Environment.GetEnvironmentVariable("CEPH_CLUSTER_DIR");
        }

        _cluster = string.IsNullOrEmpty(shared)
            ? await CephCluster.StartAsync().ConfigureAwait(false)
            : await CephCluster.AttachAsync(shared).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync().ConfigureAwait(false);
        }
    }
}
