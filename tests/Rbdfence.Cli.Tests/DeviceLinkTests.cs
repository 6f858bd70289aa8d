using System;
using System.IO;
using Rbdfence.Holding;
using Xunit;

namespace Rbdfence.Cli.Tests;

/// <summary>The mount unit's stable device path, as the holder and `map`/`unmap` keep it.</summary>
public sealed class DeviceLinkTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "rbdfence-links-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void A_link_is_made_with_its_directory_replaced_in_place_and_removed_only_while_it_points_at_our_device()
    {
        string link = Path.Combine(_root, "dev", @"rbd-tenant-vol\x2d1");
        DeviceLink.Replace(link, "/dev/loop3");
        Assert.Equal("/dev/loop3", new FileInfo(link).LinkTarget);

        DeviceLink.Replace(link, "/dev/rbd0");
        Assert.Equal("/dev/rbd0", new FileInfo(link).LinkTarget);
        Assert.Single(Directory.GetFileSystemEntries(Path.GetDirectoryName(link)!)); // no temporary left

        Assert.False(DeviceLink.Remove(link, "/dev/loop3"));
        Assert.Equal("/dev/rbd0", new FileInfo(link).LinkTarget);
        Assert.True(DeviceLink.Remove(link, "/dev/rbd0"));
        Assert.Null(new FileInfo(link).LinkTarget);
        Assert.False(DeviceLink.Remove(link));
    }

    [Fact]
    public async System.Threading.Tasks.Task Replacing_never_leaves_a_moment_without_a_link()
    {
        string link = Path.Combine(_root, "vol");
        DeviceLink.Replace(link, "/dev/rbd0");
        bool missing = false;
        using var done = new System.Threading.CancellationTokenSource();
        var watcher = System.Threading.Tasks.Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                missing |= new FileInfo(link).LinkTarget is null;
            }
        });
        for (int i = 0; i < 2000; i++)
        {
            DeviceLink.Replace(link, i % 2 == 0 ? "/dev/rbd1" : "/dev/rbd0");
        }

        done.Cancel();
        await watcher;
        Assert.False(missing, "a reader saw no link while it was being replaced");
    }
}
