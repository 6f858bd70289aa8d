using System;
using Rbdfence.Interop;

namespace Rbdfence.Fencing.Ceph;

/// <summary>A pool (and namespace) opened for object operations (<c>rados_ioctx_t</c>).</summary>
public sealed unsafe class IoContext : IDisposable
{
    private rados_ioctx_t _handle;

    private IoContext(RadosCluster cluster, rados_ioctx_t handle)
    {
        Cluster = cluster;
        _handle = handle;
    }

    public RadosCluster Cluster { get; }

    internal rados_ioctx_t Handle => _handle.IsNull ? throw new ObjectDisposedException(nameof(IoContext)) : _handle;

    internal static IoContext Open(RadosCluster cluster, string pool, string @namespace)
    {
        rados_ioctx_t handle;
        CephErrors.Check(LibRados.rados_ioctx_create(cluster.Handle, Utf8.NulTerminated(pool), &handle), $"cannot open pool {pool}");
        LibRados.rados_ioctx_set_namespace(handle, Utf8.NulTerminated(@namespace));

        return new IoContext(cluster, handle);
    }

    public void Dispose()
    {
        if (!_handle.IsNull)
        {
            LibRados.rados_ioctx_destroy(_handle);
            _handle = default;
        }
    }
}
