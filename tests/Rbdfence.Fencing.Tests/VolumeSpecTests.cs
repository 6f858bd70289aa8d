using System;
using Rbdfence.Fencing;
using Xunit;

namespace Rbdfence.Fencing.Tests;

public class VolumeSpecTests
{
    [Theory]
    [InlineData("rbd/vol1", "rbd", "", "vol1", null)]
    [InlineData("rbd/ns1/vol1", "rbd", "ns1", "vol1", null)]
    [InlineData("rbd/ns1/vol1@snap", "rbd", "ns1", "vol1", "snap")]
    [InlineData("pool-a/img.with.dots", "pool-a", "", "img.with.dots", null)]
    public void Parses_the_rbd_spelling(string text, string pool, string ns, string image, string? snap)
    {
        VolumeSpec spec = VolumeSpec.Parse(text);
        Assert.Equal(new VolumeSpec(pool, ns, image, snap), spec);
        Assert.Equal(text, spec.ToString());
    }

    [Theory]
    [InlineData("", "empty volume spec")]
    [InlineData("vol1", "is not a volume spec")]
    [InlineData("a/b/c/d", "is not a volume spec")]
    [InlineData("rbd//vol1", "empty component")]
    [InlineData("/vol1", "empty component")]
    [InlineData("rbd/vol1@", "empty snapshot")]
    [InlineData("rbd/vo\nl1", "control character")]
    public void Rejects_malformed_specs_with_one_line(string text, string reason)
    {
        Assert.False(VolumeSpec.TryParse(text, out _, out string? error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }
}
