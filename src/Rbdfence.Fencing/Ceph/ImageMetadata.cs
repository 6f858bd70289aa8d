using System;
using System.Buffers.Binary;
using System.Text;
using Rbdfence.Interop;
using Rbdfence.Linux;

namespace Rbdfence.Fencing.Ceph;

/// <summary>
/// Image metadata (what <c>rbd image-meta get/set</c> show) read and written with cls_rbd's
/// <c>metadata_get</c>/<c>metadata_set</c> on the header object directly. librbd's own
/// <c>rbd_metadata_set</c> would first ask for the managed lock, which an exclusive kernel
/// mapping never hands over; the class method needs no lock.
/// </summary>
public sealed unsafe class ImageMetadata(IoContext io, string headerObject)
{
    private readonly byte[] _oid = Utf8.NulTerminated(headerObject);

    /// <summary>Sets <paramref name="key"/>; throws <see cref="CephException"/> on failure.</summary>
    public void Set(string key, string value)
    {
        // encode(map<string, bufferlist>) with one entry: u32 count, then each key and value
        // as a u32 little-endian length and its bytes.
        byte[] k = Encoding.UTF8.GetBytes(key);
        byte[] v = Encoding.UTF8.GetBytes(value);
        byte[] input = new byte[4 + 4 + k.Length + 4 + v.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(input, 1);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(4), (uint)k.Length);
        k.CopyTo(input, 8);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(8 + k.Length), (uint)v.Length);
        v.CopyTo(input, 12 + k.Length);
        int rc = Exec("metadata_set\0"u8, input, []);
        if (rc < 0)
        {
            throw new CephException($"cannot set image metadata {key}", -rc);
        }
    }

    /// <summary>The value of <paramref name="key"/>, or null when it is not set.</summary>
    public string? Get(string key) => GetBytes(key) is { } value ? Encoding.UTF8.GetString(value) : null;

    /// <summary>
    /// The value of <paramref name="key"/> as stored (the bytes a comparison on the header's
    /// omap sees), or null when it is not set; throws <see cref="CephException"/> when unreadable.
    /// </summary>
    public byte[]? GetBytes(string key)
    {
        byte[] k = Encoding.UTF8.GetBytes(key);
        byte[] input = new byte[4 + k.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(input, (uint)k.Length);
        k.CopyTo(input, 4);
        byte[] output = new byte[4096];
        int rc = Exec("metadata_get\0"u8, input, output);
        if (rc == -Errno.ERANGE)
        {
            output = new byte[1 << 20];
            rc = Exec("metadata_get\0"u8, input, output);
        }

        if (rc == -Errno.ENOENT)
        {
            return null;
        }

        if (rc < 0)
        {
            throw new CephException($"cannot read image metadata {key}", -rc);
        }

        // encode(bufferlist): u32 length and the bytes.
        int length = rc < 4 ? -1 : (int)BinaryPrimitives.ReadUInt32LittleEndian(output);
        return length >= 0 && length <= rc - 4
            ? output.AsSpan(4, length).ToArray()
            : throw new CephException($"cannot read image metadata {key}: a reply of {rc} bytes", Errno.EIO);
    }

    private int Exec(ReadOnlySpan<byte> method, byte[] input, byte[] output)
    {
        return LibRados.rados_exec(io.Handle, _oid, "rbd\0"u8, method, input, output);
    }
}
