using System;
using System.IO;
using Rbdfence.Mapping;
using Rbdfence.Table;
using Rbdfence.Volumes;
using Xunit;

namespace Rbdfence.Cli.Tests;

/// <summary>
/// Which backend may serve a managed-mode volume is the backend's to say
/// (<see cref="IMapBackend.SupportsExclusive"/>, checked by every map and by the CLI before the
/// lock is taken). The volume table refuses the same lines earlier, when the generator reads
/// them: the two must agree for every backend, or a table line would pass the generator and
/// fail at every start (or the reverse).
/// </summary>
public sealed class ManagedBackendRuleTests
{
    [Theory]
    [InlineData(MapBackend.Krbd)]
    [InlineData(MapBackend.Nbd)]
    [InlineData(MapBackend.Fuse)]
    public void The_table_takes_managed_mode_exactly_on_the_backends_that_hold_the_lock_exclusively(MapBackend backend)
    {
        IMapBackend map = backend switch
        {
            MapBackend.Krbd => new KrbdBackend(),
            MapBackend.Nbd => new NbdBackend(),
            MapBackend.Fuse => new FuseLoopBackend(Path.GetTempPath()),
            _ => throw new ArgumentOutOfRangeException(nameof(backend)),
        };

        bool taken = TableParser.TryParseLine(1, $"rbd/v /mnt/v ext4 defaults mode=managed,backend={map.Name}", out _, out string? error);
        Assert.True(taken == map.SupportsExclusive, $"backend={map.Name}: table {(taken ? "takes" : "refuses")} it ({error}), SupportsExclusive={map.SupportsExclusive}");
        Assert.Equal(3, Enum.GetValues<MapBackend>().Length); // a new backend needs its line above
    }
}
