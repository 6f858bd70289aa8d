using System;
using Rbdfence.Table;
using Rbdfence.Volumes;
using Xunit;

namespace Rbdfence.Generator.Tests;

public class TableParserTests
{
    [Fact]
    public void Parses_every_field_and_option()
    {
        Assert.True(TableParser.TryParseLine(
            7,
            @"rbd/ns1/vol1  /mnt//data/  xfs  noatime,ro,nofail,x-systemd.requires=a.service,x-systemd.requires=/srv,x-systemd.after=/var/lib,x-systemd.before=b.service,x-systemd.wanted-by=c.target,x-systemd.required-by=d.target  id=web,keyring=/k,conf=/c,mode=managed,wait=2.5,backend=nbd,grace=60,blocklist-expiry=600,cookie=kubelet,connection=shared",
            out VolumeEntry? entry,
            out string? error),
            error);
        Assert.NotNull(entry);
        Assert.Equal(7, entry.Line);
        Assert.Equal("rbd/ns1/vol1", entry.Spec);
        Assert.Equal("/mnt/data", entry.MountPoint);
        Assert.Equal("xfs", entry.FsType);
        Assert.Equal(["noatime", "ro", "nofail"], entry.MountOptions);
        Assert.True(entry.ReadOnly);
        Assert.True(entry.NoFail);
        Assert.False(entry.NoAuto);
        Assert.Equal(["a.service"], entry.Requires);
        Assert.Equal(["/srv"], entry.RequiresMountsFor);
        Assert.Equal(["var-lib.mount"], entry.After);
        Assert.Equal(["b.service"], entry.Before);
        Assert.Equal(["c.target"], entry.WantedBy);
        Assert.Equal(["d.target"], entry.RequiredBy);
        Assert.Equal("web", entry.Id);
        Assert.Equal("/k", entry.Keyring);
        Assert.Equal("/c", entry.Conf);
        Assert.Equal(LockMode.Managed, entry.Mode);
        Assert.Equal("2.5", entry.WaitSeconds);
        Assert.Equal(MapBackend.Nbd, entry.Backend);
        Assert.Equal("60", entry.GraceSeconds);
        Assert.Equal("600", entry.BlocklistExpirySeconds);
        Assert.True(entry.KubeletCookie);
        Assert.True(entry.SharedConnection);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \t ")]
    [InlineData("# rbd/vol /mnt/x ext4 defaults")]
    [InlineData("  \t# indented comment")]
    public void Blank_lines_and_comments_are_nothing(string line)
    {
        Assert.True(TableParser.TryParseLine(1, line, out VolumeEntry? entry, out string? error));
        Assert.Null(entry);
        Assert.Null(error);
    }

    [Theory]
    [InlineData(@"a\040b", "a b")]
    [InlineData(@"a\134b", @"a\b")]
    [InlineData(@"a\303\274", "aü")]
    [InlineData(@"a\04", @"a\04")]
    [InlineData(@"a\x20", @"a\x20")]
    public void Octal_escapes_are_bytes(string field, string expected)
    {
        Assert.True(TableParser.TryUnescape(field, out string value, out string? error), error);
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("rbd/vol /mnt/x ext4", "found 3 fields")]
    [InlineData("rbd/vol@snap /mnt/x ext4 defaults", "snapshot")]
    [InlineData("vol /mnt/x ext4 defaults", "not a volume spec")]
    [InlineData("rbd//vol /mnt/x ext4 defaults", "empty component")]
    [InlineData("rbd/vol / ext4 defaults", "root file system")]
    [InlineData("rbd/vol /mnt/../x ext4 defaults", "not normalized")]
    [InlineData("rbd/vol /mnt/x swap defaults", "cannot be mounted")]
    [InlineData("rbd/vol /mnt/x ext/4 defaults", "not a type name")]
    [InlineData("rbd/vol /mnt/x ext4 x-systemd.automount", "not supported")]
    [InlineData("rbd/vol /mnt/x ext4 x-systemd.before=", "empty value")]
    [InlineData("rbd/vol /mnt/x ext4 x-systemd.wanted-by=/mnt", "not a unit name")]
    [InlineData("rbd/vol /mnt/x ext4 x-systemd.after=nosuffix", "neither a unit name nor an absolute path")]
    [InlineData("rbd/vol /mnt/x ext4 x-systemd.requires=t@.service", "neither a unit name")]
    [InlineData("rbd/vol /mnt/x ext4 defaults mode=exclusive", "not auto, advisory or managed")]
    [InlineData("rbd/vol /mnt/x ext4 defaults backend=rbd-fuse", "not krbd, nbd or fuse")]
    [InlineData("rbd/vol /mnt/x ext4 defaults wait=-1", "wait takes a number of seconds or 'infinity', not '-1'")]
    [InlineData("rbd/vol /mnt/x ext4 defaults wait=1e3", "wait takes a number of seconds or 'infinity', not '1e3'")]
    [InlineData("rbd/vol /mnt/x ext4 defaults wait=1000001", "wait 1000001 is out of range: 0 to 1000000 seconds")]
    [InlineData("rbd/vol /mnt/x ext4 defaults grace=forever", "grace takes a number of seconds, not 'forever'")]
    [InlineData("rbd/vol /mnt/x ext4 defaults grace=0", "grace 0 is out of range: 1 to 86400 seconds")]
    [InlineData("rbd/vol /mnt/x ext4 defaults grace=999999999999", "grace 999999999999 is out of range")]
    [InlineData("rbd/vol /mnt/x ext4 defaults grace=NaN", "grace takes a number of seconds, not 'NaN'")]
    [InlineData("rbd/vol /mnt/x ext4 defaults blocklist-expiry=0", "blocklist-expiry 0 is out of range: 1 to 31536000 seconds")]
    [InlineData("rbd/vol /mnt/x ext4 defaults blocklist-expiry=2.5", "blocklist-expiry takes whole seconds, not '2.5'")]
    [InlineData("rbd/vol /mnt/x ext4 defaults blocklist-expiry=infinity", "blocklist-expiry takes a number of seconds (whole), not 'infinity'")]
    [InlineData("rbd/vol /mnt/x ext4 defaults id=client.admin,id=x", "given twice")]
    [InlineData("rbd/vol /mnt/x ext4 defaults keyring", "not key=value")]
    [InlineData("rbd/vol /mnt/x ext4 defaults keyring=relative", "not an absolute path")]
    [InlineData("rbd/vol /mnt/x ext4 defaults mode=managed,backend=fuse", "not backend=fuse")]
    [InlineData("rbd/vol /mnt/x ext4 defaults cookie=x", "cookie 'x' is not rbdfence or kubelet")]
    [InlineData("rbd/vol /mnt/x ext4 defaults connection=host", "connection 'host' is not own or shared")]
    [InlineData("rbd/vol /mnt/x ext4 defaults colour=x", "unknown rbdfence option 'colour'")]
    [InlineData(@"rbd/vol /mnt/x ext4 defaults id=\777", "not a byte")]
    public void Bad_lines_say_why(string line, string reason)
    {
        Assert.False(TableParser.TryParseLine(1, line, out VolumeEntry? entry, out string? error));
        Assert.Null(entry);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_long_names_are_refused_not_truncated()
    {
        string image = new string('i', 240);
        Assert.False(TableParser.TryParseLine(1, $"rbd/{image} /mnt/x ext4 defaults", out _, out string? error));
        Assert.Contains("systemd allows 255", error, StringComparison.Ordinal);
        Assert.False(TableParser.TryParseLine(1, $"rbd/vol /{new string('m', 250)} ext4 defaults", out _, out error));
        Assert.Contains("systemd allows 255", error, StringComparison.Ordinal);
    }
}
