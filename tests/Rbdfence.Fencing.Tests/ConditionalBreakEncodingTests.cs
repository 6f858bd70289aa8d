using System;
using Rbdfence.Fencing.Ceph;
using Xunit;

namespace Rbdfence.Fencing.Tests;

/// <summary>
/// The input of cls_lock's <c>break_lock</c> that the fencer's conditional break sends, byte
/// for byte as Ceph's encoder lays out <c>cls_lock_break_op</c> (the cluster tests check that
/// a real OSD accepts it and refuses the break once the holder record changed).
/// </summary>
public sealed class ConditionalBreakEncodingTests
{
    [Fact]
    public void Break_input_is_versioned_name_locker_and_cookie()
    {
        byte[] bytes = HeaderLock.EncodeBreak("rbd_lock"u8, 0x08, 4123, "c1"u8);
        byte[] expected =
        [
            1, 1, 27, 0, 0, 0,                                  // struct v1, compat 1, 27 bytes follow
            8, 0, 0, 0, (byte)'r', (byte)'b', (byte)'d', (byte)'_', (byte)'l', (byte)'o', (byte)'c', (byte)'k',
            0x08, 0x1b, 0x10, 0, 0, 0, 0, 0, 0,                 // entity_name_t: client, 4123
            2, 0, 0, 0, (byte)'c', (byte)'1',
        ];
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("client.4123", 0x08, 4123L)]
    [InlineData("client.0", 0x08, 0L)]
    [InlineData("osd.3", 0x04, 3L)]
    public void Entity_names_parse_to_type_and_number(string entity, byte type, long number)
    {
        Assert.True(HeaderLock.TryParseEntity(entity, out byte t, out long n));
        Assert.Equal((type, number), (t, n));
    }

    [Theory]
    [InlineData("client")]
    [InlineData("client.")]
    [InlineData("client.-1")]
    [InlineData("client.12a")]
    [InlineData("robot.1")]
    [InlineData("")]
    public void Anything_else_is_not_an_entity(string entity) =>
        Assert.False(HeaderLock.TryParseEntity(entity, out _, out _));
}
