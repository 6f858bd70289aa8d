using System;
using System.Globalization;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;

namespace Rbdfence.Fencing.ClusterTests;

/// <summary>
/// One throwaway cluster in a network namespace of its own (a bridge at A.B.C.1) and
/// several "hosts", each a namespace on that bridge with its own address (A.B.C.11, .12,
/// ...) and its own rbdfence identity. Blocklisting one host's address fences that host
/// only. Nothing touches the root namespace's network.
/// </summary>
public sealed class MultiHostCluster : IAsyncLifetime
{
    public const string Collection = "multi-host-cluster";

    /// <summary>How many hosts; tests that fence a host take one no other test uses.</summary>
    public const int HostCount = 9;

    /// <summary>Short, so that a killed holder's watch expires (and is tested) in seconds.</summary>
    public const int WatchTimeoutSeconds = 5;

    private readonly string _prefix = "rf" + Random.Shared.Next(0x10000).ToString("x4", CultureInfo.InvariantCulture);
    private readonly string _subnet = "10.77." + Random.Shared.Next(100, 200).ToString(CultureInfo.InvariantCulture);
    private CephCluster? _cluster;
    private bool _namespaces;

    public CephCluster Cluster => _cluster ?? throw new InvalidOperationException("the multi-host cluster is not up");

    /// <summary>Host <paramref name="i"/> (1-based).</summary>
    public TestHost Host(int i) =>
        i is >= 1 and <= HostCount ? new TestHost(this, $"host-{i}", $"{_prefix}-h{i}", $"{_subnet}.{10 + i}") : throw new ArgumentOutOfRangeException(nameof(i));

    public async Task InitializeAsync()
    {
        (await CephCluster.RunScriptAsync("netns-up", "--prefix", _prefix, "--hosts", HostCount.ToString(CultureInfo.InvariantCulture), "--subnet", _subnet))
            .EnsureSuccess();
        _namespaces = true;
        _cluster = await CephCluster.StartAsync(extraArguments:
        [
            "--netns", $"{_prefix}-cluster", "--addr", $"{_subnet}.1",
            "--set", $"osd_client_watch_timeout={WatchTimeoutSeconds}",
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

        // The hosts' state directories (their leases), as a reboot clears /run.
        for (int i = 1; i <= HostCount; i++)
        {
            string state = Host(i).StateDirectory;
            if (System.IO.Directory.Exists(state))
            {
                System.IO.Directory.Delete(state, recursive: true);
            }
        }
    }

    /// <summary>Creates a fresh image (advisory mode unless <paramref name="features"/> says otherwise).</summary>
    public async Task<string> CreateImageAsync(string prefix, string features = "layering")
    {
        string name = $"{prefix}-{Guid.NewGuid():N}"[..20];
        (await Cluster.RbdAsync("create", "--size", "64M", "--image-feature", features, "rbd/" + name)).EnsureSuccess();
        return "rbd/" + name;
    }
}

[CollectionDefinition(MultiHostCluster.Collection)]
public sealed class MultiHostCollection : ICollectionFixture<MultiHostCluster>;
