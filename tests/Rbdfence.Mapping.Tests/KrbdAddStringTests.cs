using System;
using Rbdfence.Volumes;
using Xunit;

namespace Rbdfence.Mapping.Tests;

/// <summary>
/// The exact strings written to /sys/bus/rbd/add_single_major. Format from the kernel's
/// Documentation/ABI/testing/sysfs-bus-rbd ("&lt;mon ip addr&gt; &lt;options&gt; &lt;pool&gt;
/// &lt;image&gt; [&lt;snap&gt;]") and Ceph's src/krbd.cc build_map_buf (name=, key=/secret=,
/// options, _pool_ns=, then pool, image and snap or "-").
/// </summary>
public sealed class KrbdAddStringTests
{
    private static readonly string[] s_oneMon = ["10.0.0.1:6789"];
    private static readonly string[] s_twoMons = ["10.0.0.1:6789", "10.0.0.2:6789"];

    [Fact]
    public void ImageHead_DefaultNamespace()
    {
        var request = new MapRequest(new VolumeSpec("rbd", "vol1")) { ClientId = "rbdfence" };
        Assert.Equal(
            "10.0.0.1:6789 name=rbdfence,key=client.rbdfence,noshare rbd vol1 -",
            KrbdAddCommand.Build(request, s_oneMon, "client.rbdfence", secret: null));
    }

    [Fact]
    public void Namespace_IsThePoolNsOption_AndMonsAreCommaSeparated()
    {
        var request = new MapRequest(new VolumeSpec("rbd", "tenant-a", "vol1")) { ClientId = "rbdfence" };
        Assert.Equal(
            "10.0.0.1:6789,10.0.0.2:6789 name=rbdfence,key=client.rbdfence,noshare,_pool_ns=tenant-a rbd vol1 -",
            KrbdAddCommand.Build(request, s_twoMons, "client.rbdfence", secret: null));
    }

    [Fact]
    public void Snapshot_ReadOnly()
    {
        var request = new MapRequest(new VolumeSpec("data", string.Empty, "vol1", "nightly")) { ClientId = "rbdfence", ReadOnly = true };
        Assert.Equal(
            "10.0.0.1:6789 name=rbdfence,key=client.rbdfence,noshare,read_only data vol1 nightly",
            KrbdAddCommand.Build(request, s_oneMon, "client.rbdfence", secret: null));
    }

    [Fact]
    public void Exclusive_ManagedMode()
    {
        var request = new MapRequest(new VolumeSpec("rbd", "tenant-a", "vol1")) { ClientId = "rbdfence", Exclusive = true };
        Assert.Equal(
            "10.0.0.1:6789 name=rbdfence,key=client.rbdfence,noshare,exclusive,_pool_ns=tenant-a rbd vol1 -",
            KrbdAddCommand.Build(request, s_oneMon, "client.rbdfence", secret: null));
    }

    [Fact]
    public void InlineSecret_WhenTheKernelHasNoCephKeyType()
    {
        var request = new MapRequest(new VolumeSpec("rbd", "vol1")) { ClientId = "admin", ReadOnly = true };
        Assert.Equal(
            "10.0.0.1:6789 name=admin,secret=AQBfake==,noshare,read_only rbd vol1 -",
            KrbdAddCommand.Build(request, s_oneMon, kernelKeyName: null, secret: "AQBfake=="));
    }

    [Fact]
    public void Redact_HidesTheSecretOnly()
    {
        Assert.Equal(
            "10.0.0.1:6789 name=admin,secret=<redacted>,exclusive rbd vol1 -",
            KrbdAddCommand.Redact("10.0.0.1:6789 name=admin,secret=AQBfake+/==,exclusive rbd vol1 -"));
        Assert.Equal(
            "m name=a,secret=<redacted> rbd v -",
            KrbdAddCommand.Redact("m name=a,secret=XYZ rbd v -"));
    }

    [Theory]
    [InlineData("rb d", "img")]
    [InlineData("rbd", "im,g")]
    [InlineData("rbd", "img\n")]
    [InlineData("rbd", "")]
    public void NamesThatWouldCorruptTheAddString_AreRejected(string pool, string image)
    {
        var request = new MapRequest(new VolumeSpec(pool, image));
        Assert.Throws<ArgumentException>(() => MapRequestChecks.ValidateVolume(request.Volume));
    }
}
