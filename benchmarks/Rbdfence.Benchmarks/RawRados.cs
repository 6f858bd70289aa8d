using System;
using System.Buffers.Binary;
using System.Text;
using Rbdfence.Interop;

namespace Rbdfence.Benchmarks;

/// <summary>A bare librados client (own <c>rados_t</c> and <c>rados_ioctx_t</c>) for the reference benchmarks.</summary>
internal sealed unsafe class RawRados : IDisposable
{
    private rados_t _cluster;
    private rados_ioctx_t _io;

    public RawRados(string conf, string pool, string @namespace)
    {
        rados_t cluster;
        Check(LibRados.rados_create2(&cluster, "ceph\0"u8, "client.admin\0"u8, 0), "rados_create2");
        _cluster = cluster;
        Check(LibRados.rados_conf_read_file(cluster, Z(conf)), "rados_conf_read_file");
        Check(LibRados.rados_connect(cluster), "rados_connect");
        rados_ioctx_t io;
        Check(LibRados.rados_ioctx_create(cluster, Z(pool), &io), "rados_ioctx_create");
        _io = io;
        fixed (byte* ns = Z(@namespace))
        {
            LibRados.rados_ioctx_set_namespace(io, ns);
        }
    }

    public rados_t Cluster => _cluster;

    public rados_ioctx_t Io => _io;

    public static byte[] Z(string s) => Encoding.UTF8.GetBytes(s + "\0");

    public static void Check(int rc, string what)
    {
        if (rc < 0)
        {
            throw new InvalidOperationException($"{what} failed: {rc}");
        }
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
}

/// <summary>
/// Hand-encoded cls_lock ops for <c>rados_exec(io, oid, "lock", "lock"|"unlock", ...)</c>, as Ceph's
/// <c>ENCODE_START(1, 1)</c> lays them out: u8 version, u8 compat, u32 LE payload length, then
/// the fields; a string is a u32 LE length and its bytes; utime_t is u32 sec, u32 nsec.
/// </summary>
internal static class ClsLockOps
{
    /// <summary>ClsLockType::EXCLUSIVE.</summary>
    public const byte LockExclusive = 1;

    /// <summary>cls_lock_lock_op: name, type, cookie, tag, description, duration, flags.</summary>
    public static byte[] Lock(string name, byte type, string cookie, string tag, string description, byte flags)
    {
        var w = new Writer();
        w.String(name);
        w.U8(type);
        w.String(cookie);
        w.String(tag);
        w.String(description);
        w.U32(0); // duration.sec: 0 = never expires
        w.U32(0); // duration.nsec
        w.U8(flags);
        return w.Finish();
    }

    /// <summary>cls_lock_unlock_op: name, cookie.</summary>
    public static byte[] Unlock(string name, string cookie)
    {
        var w = new Writer();
        w.String(name);
        w.String(cookie);
        return w.Finish();
    }

    private sealed class Writer
    {
        private readonly System.Collections.Generic.List<byte> _payload = new();

        public void U8(byte v) => _payload.Add(v);

        public void U32(uint v)
        {
            byte[] b = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(b, v);
            _payload.AddRange(b);
        }

        public void String(string s)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(s);
            U32((uint)bytes.Length);
            _payload.AddRange(bytes);
        }

        public byte[] Finish()
        {
            var result = new byte[6 + _payload.Count];
            result[0] = 1; // struct_v
            result[1] = 1; // struct_compat
            BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(2), (uint)_payload.Count);
            _payload.CopyTo(result, 6);
            return result;
        }
    }
}
