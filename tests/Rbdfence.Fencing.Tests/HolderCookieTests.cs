using System;
using Rbdfence.Fencing;
using Xunit;

namespace Rbdfence.Fencing.Tests;

public class HolderCookieTests
{
    private static readonly HostIdentity HostA = new("host-a", new string('a', 32), new string('1', 32));

    [Fact]
    public void Round_trips_identity_through_the_cookie_text()
    {
        var since = DateTimeOffset.FromUnixTimeSeconds(1_764_000_000);
        string text = HolderCookie.For(HostA, since).ToString();

        Assert.Equal($"rbdfence:1:{HostA.MachineId}:{HostA.BootId}:1764000000:host-a", text);
        HolderCookie parsed = HolderCookie.Parse(text);
        Assert.Equal(HolderKind.Rbdfence, parsed.Kind);
        Assert.Equal("host-a", parsed.HostName);
        Assert.Equal(since, parsed.Since);
        Assert.Equal(HostA.MachineId, parsed.MachineId);
        Assert.Equal(HostA.BootId, parsed.BootId);
        Assert.False(parsed.IsEarlierBootOf(HostA));
    }

    [Fact]
    public void Same_machine_with_another_boot_is_an_earlier_boot()
    {
        HolderCookie old = HolderCookie.Parse(HolderCookie.For(HostA with { BootId = new string('0', 32) }, DateTimeOffset.UnixEpoch).ToString());
        Assert.True(old.IsEarlierBootOf(HostA));

        HolderCookie otherMachine = HolderCookie.For(HostA with { MachineId = new string('b', 32) }, DateTimeOffset.UnixEpoch);
        Assert.False(otherMachine.IsEarlierBootOf(HostA));
    }

    [Fact]
    public void Reads_the_kubelet_plugin_cookie_as_its_host()
    {
        HolderCookie k = HolderCookie.Parse("kubelet_lock_magic_node-7");
        Assert.Equal(HolderKind.Kubelet, k.Kind);
        Assert.Equal("node-7", k.HostName);
        Assert.Equal("kubelet_lock_magic_node-7", k.ToString());
    }

    [Theory]
    [InlineData("my-manual-lock")]
    [InlineData("rbdfence:1:broken")]
    [InlineData("")]
    public void Anything_else_is_a_foreign_holder(string cookie)
    {
        Assert.Equal(HolderKind.Foreign, HolderCookie.Parse(cookie).Kind);
    }
}
