using System;
using System.IO;
using Xunit;

namespace Rbdfence.Mapping.Tests;

public sealed class DeviceLinksTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "rbdfence-links-" + Guid.NewGuid().ToString("N"), "dev");

    public void Dispose()
    {
        string parent = Path.GetDirectoryName(_root)!;
        if (Directory.Exists(parent))
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    [Fact]
    public void Create_Replace_Remove()
    {
        var links = new DeviceLinks(_root);
        const string Name = @"rbd-tenant-vol\x2d1";
        string link = links.Create(Name, "/dev/loop3");
        Assert.Equal(Path.Combine(_root, Name), link);
        Assert.Equal("/dev/loop3", new FileInfo(link).LinkTarget);

        links.Create(Name, "/dev/rbd0");
        Assert.Equal("/dev/rbd0", links.Target(Name));
        Assert.Single(Directory.GetFileSystemEntries(_root));

        Assert.False(links.Remove(Name, "/dev/loop3"));
        Assert.True(links.Remove(Name, "/dev/rbd0"));
        Assert.Null(links.Target(Name));
        Assert.False(links.Remove(Name));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("")]
    public void Names_AreSinglePathComponents(string name) =>
        Assert.ThrowsAny<ArgumentException>(() => new DeviceLinks(_root).PathFor(name));
}
