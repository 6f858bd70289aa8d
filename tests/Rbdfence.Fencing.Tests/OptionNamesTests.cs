using System;
using Rbdfence.Volumes;
using Xunit;

namespace Rbdfence.Fencing.Tests;

/// <summary>The one spelling of modes and backends the table, the CLI and the units share.</summary>
public sealed class OptionNamesTests
{
    [Theory]
    [InlineData("auto", LockMode.Auto)]
    [InlineData("advisory", LockMode.Advisory)]
    [InlineData("managed", LockMode.Managed)]
    public void Every_mode_reads_back_from_its_name(string name, LockMode mode)
    {
        Assert.Equal(name, OptionNames.Of(mode));
        Assert.True(OptionNames.TryParse(name, out LockMode parsed));
        Assert.Equal(mode, parsed);
    }

    [Fact]
    public void Every_backend_reads_back_from_its_name()
    {
        foreach (MapBackend backend in Enum.GetValues<MapBackend>())
        {
            Assert.True(OptionNames.TryParse(OptionNames.Of(backend), out MapBackend parsed));
            Assert.Equal(backend, parsed);
        }

        Assert.Equal("krbd, nbd or fuse", OptionNames.Choices<MapBackend>());
        Assert.Equal("auto, advisory or managed", OptionNames.Choices<LockMode>());
    }

    [Theory]
    [InlineData("Managed")]
    [InlineData("MANAGED")]
    [InlineData("1")]
    [InlineData("")]
    [InlineData(" managed")]
    [InlineData("managed\n")]
    public void Anything_but_the_exact_lowercase_name_is_refused(string text) =>
        Assert.False(OptionNames.TryParse(text, out LockMode _));

    [Fact]
    public void Only_krbd_and_nbd_hold_the_managed_lock_exclusively()
    {
        Assert.True(MapBackend.Krbd.HoldsLockExclusively());
        Assert.True(MapBackend.Nbd.HoldsLockExclusively());
        Assert.False(MapBackend.Fuse.HoldsLockExclusively());
    }
}
