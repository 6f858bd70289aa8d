using System.Collections.Generic;
using System.Threading;
using Rbdfence.Fencing.Ceph;

namespace Rbdfence.Holding.SharedConnection;

/// <summary>
/// The daemon's cluster connections: one per distinct client (user, keyring, conf), made on
/// first use and shared by every volume held through it. Connecting is serialized, so that
/// fifty volumes asking at boot make one connection, not fifty.
/// </summary>
public sealed class SharedConnections
{
    private readonly Dictionary<CephClientOptions, RadosCluster> _open = [];
    private readonly Lock _connecting = new();

    /// <summary>The connection for <paramref name="options"/>, connecting if there is none yet.</summary>
    public RadosCluster Get(CephClientOptions options)
    {
        lock (_connecting)
        {
            if (!_open.TryGetValue(options, out RadosCluster? cluster))
            {
                cluster = RadosCluster.Connect(options);
                _open[options] = cluster;
            }

            return cluster;
        }
    }

    /// <summary>
    /// Drops a connection that was fenced (blocklisted): the volumes still on it end, and the
    /// next request connects anew. It is not closed here: those volumes' holders still use it.
    /// </summary>
    public void Forget(CephClientOptions options, RadosCluster cluster)
    {
        lock (_connecting)
        {
            if (_open.TryGetValue(options, out RadosCluster? current) && ReferenceEquals(current, cluster))
            {
                _open.Remove(options);
            }
        }
    }

    /// <summary>How many connections are open, for the daemon's status line.</summary>
    public int Count
    {
        get
        {
            lock (_connecting)
            {
                return _open.Count;
            }
        }
    }
}
