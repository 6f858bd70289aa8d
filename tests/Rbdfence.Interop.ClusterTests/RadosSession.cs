using System;
using System.Text;

namespace Rbdfence.Interop.ClusterTests;

/// <summary>A librados client, a pool context and an open image, through the generated bindings only.</summary>
internal sealed unsafe class RadosSession : IDisposable
{
    private rados_t _cluster;
    private rados_ioctx_t _io;

    public RadosSession(string conf, string pool = "rbd")
    {
        rados_t cluster;
        rados_ioctx_t io;
        Assert0(LibRados.rados_create2(&cluster, Z("ceph"), Z("client.admin"), 0), "rados_create2");
        _cluster = cluster;
        Assert0(LibRados.rados_conf_read_file(cluster, Z(conf)), "rados_conf_read_file");
        Assert0(LibRados.rados_connect(cluster), "rados_connect");
        Assert0(LibRados.rados_ioctx_create(cluster, Z(pool), &io), "rados_ioctx_create");
        _io = io;
    }

    public rados_t Cluster => _cluster;

    public rados_ioctx_t Io => _io;

    /// <summary>Creates an image with the given features and opens it read-write.</summary>
    public rbd_image_t CreateAndOpen(string name, ulong features)
    {
        int order = 22;
        Assert0(LibRbd.rbd_create2(_io, Z(name), 64UL << 20, features, &order), "rbd_create2");
        rbd_image_t image;
        Assert0(LibRbd.rbd_open(_io, Z(name), &image, ReadOnlySpan<byte>.Empty), "rbd_open");
        return image;
    }

    public void Dispose()
    {
        if (!_io.IsNull)
        {
            LibRados.rados_ioctx_destroy(_io);
            _io = default;
        }

        if (!_cluster.IsNull)
        {
            LibRados.rados_shutdown(_cluster);
            _cluster = default;
        }
    }

    /// <summary>NUL-terminated UTF-8: the form every char* argument takes.</summary>
    public static byte[] Z(string s) => Encoding.UTF8.GetBytes(s + "\0");

    public static void Assert0(int rc, string call)
    {
        if (rc != 0)
        {
            throw new Xunit.Sdk.XunitException($"{call} returned {rc}");
        }
    }

    /// <summary>Splits a librbd "a\0b\0c\0" list buffer into strings.</summary>
    public static string[] SplitNul(ReadOnlySpan<byte> buffer) =>
        Encoding.UTF8.GetString(buffer).Split('\0', StringSplitOptions.RemoveEmptyEntries);
}
