using System;
using Xunit;

namespace Rbdfence.Interop.Tests;

/// <summary>
/// Calls that need no cluster: they prove the bindings load librbd.so.1/librados.so.2 and
/// that the span overloads check their arguments before reaching native code.
/// </summary>
public sealed unsafe class NativeCallTests
{
    [Fact]
    public void Rbd_version_reports_the_metadata_release()
    {
        int major, minor, extra;
        LibRbd.rbd_version(&major, &minor, &extra);
        Assert.Equal(LibRbd.LIBRBD_VER_MAJOR, major);
        Assert.Equal(LibRbd.LIBRBD_VER_MINOR, minor);
        Assert.Equal(LibRbd.LIBRBD_VER_EXTRA, extra);
    }

    [Fact]
    public void Rados_create_accepts_a_nul_terminated_span()
    {
        rados_t cluster;
        var rc = LibRados.rados_create(&cluster, "admin\0"u8);
        Assert.Equal(0, rc);
        Assert.False(cluster.IsNull);
        LibRados.rados_shutdown(cluster);
    }

    [Fact]
    public void Rados_create_passes_null_for_an_empty_span()
    {
        rados_t cluster;
        var rc = LibRados.rados_create(&cluster, ReadOnlySpan<byte>.Empty); // NULL id: the default client
        Assert.Equal(0, rc);
        LibRados.rados_shutdown(cluster);
    }

    [Fact]
    public void Span_overload_rejects_a_string_without_nul()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
        {
            rados_t cluster;
            LibRados.rados_create(&cluster, "admin"u8);
        });
        Assert.Equal("id", ex.ParamName);
    }

    [Fact]
    public void Output_pair_overload_rejects_a_length_beyond_the_buffer()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            Span<byte> name = stackalloc byte[8];
            nuint length = 9;
            LibRbd.rbd_get_name(rbd_image_t.Null, name, ref length);
        });
        Assert.Equal("name_len", ex.ParamName);
    }

    [Fact]
    public void Handles_are_distinct_blittable_types()
    {
        Assert.Equal(sizeof(nint), sizeof(rbd_image_t));
        Assert.True(rbd_image_t.Null.IsNull);
        Assert.NotEqual(typeof(rbd_image_t), typeof(rados_ioctx_t));
        Assert.Equal(sizeof(nint), sizeof(rbd_callback_t));
    }
}
