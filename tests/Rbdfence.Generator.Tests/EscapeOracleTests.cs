using System;
using System.Collections.Generic;
using Rbdfence.Table;
using Xunit;

namespace Rbdfence.Generator.Tests;

/// <summary>
/// Unit names for a corpus of hostile names equal what the real <c>systemd-escape</c> prints
/// (and fail exactly when it refuses).
/// </summary>
public class EscapeOracleTests
{
    public static TheoryData<string> Names() => new(Corpus());

    public static TheoryData<string> Paths() => new(PathCorpus());

    [Theory]
    [MemberData(nameof(Names))]
    public void Escape_matches_systemd_escape(string name)
    {
        Assert.Equal(SystemdTools.Escape(name), UnitNames.Escape(name));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Instance_matches_systemd_escape_template(string name)
    {
        string? expected = SystemdTools.Escape(name, "--template=rbdfence@.service");
        bool ok = UnitNames.TryInstance("rbdfence@.service", name, out string actual, out _);
        Assert.Equal(expected, ok ? actual : null);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Path_escape_matches_systemd_escape_path(string path)
    {
        string? expected = SystemdTools.Escape(path, "--path");
        bool ok = UnitNames.TryEscapePath(path, out string actual, out _);
        Assert.Equal(expected, ok ? actual : null);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Mount_unit_matches_systemd_escape_path_suffix_mount(string path)
    {
        string? expected = SystemdTools.Escape(path, "--path", "--suffix=mount");
        bool ok = UnitNames.TryMountUnit(path, out string actual, out _);
        if (ok)
        {
            Assert.Equal(expected, actual);
        }
        else if (expected is not null)
        {
            // systemd-escape does not check the length of the name it prints; systemd does
            // not load a unit whose name is longer than 255 characters, so neither do we.
            Assert.True(expected.Length > UnitNames.MaxLength, $"refused '{path}', systemd-escape says '{expected}'");
        }
    }

    private static IEnumerable<string> Corpus()
    {
        string[] basic =
        [
            "rbd/vol1", "rbd/ns1/vol1", "rbd/vol-1", "rbd/ns-1/vol-1", "pool/with space", "rbd/tab\tx",
            "rbd/ünïcødé", "rbd/日本語", "rbd/emoji😀", "rbd/back\\slash", "rbd/dots.in.name", ".leading/dot",
            "rbd/.dot", "..", ".", "rbd/trailing.", "rbd//double", "/leading/slash", "trailing/slash/",
            "rbd/100%", "rbd/%i%n", "rbd/colon:x", "rbd/under_score", "rbd/a@b", "rbd/quote\"s", "rbd/'single'",
            "rbd/[Service]", "rbd/]", "rbd/$HOME", "rbd/semi;colon", "rbd/new\nline", "rbd/cr\rx", "rbd/ctl\u007f",
            "-", "--", "-leading", "rbd/*?", "x", "UPPER/Case", "rbd/\u00a0nbsp", "rbd/é", "rbd/e\u0301",
        ];
        foreach (string name in basic)
        {
            yield return name;
        }

        // Around the unit name length limit: rbdfence@ + 238 + .service is 255 characters.
        foreach (int length in new[] { 200, 237, 238, 239, 300 })
        {
            yield return "rbd/" + new string('a', length - 4);
        }

        yield return "rbd/" + new string('-', 70);
        yield return "rbd/" + string.Concat(System.Linq.Enumerable.Repeat("ü", 40));
    }

    private static IEnumerable<string> PathCorpus()
    {
        string[] basic =
        [
            "/", "//", "/mnt/data", "/mnt/data/", "//mnt//data//", "/mnt/./data", "/mnt/../data", "/mnt/..data",
            "/mnt/data..", "/mnt/a b", "/mnt/ü", "/mnt/日本", "/mnt/a-b", "/mnt/a\\b", "/mnt/.hidden", "/.hidden",
            "/.hidden/.x", "/mnt/%i", "/mnt/100%", "/mnt/[Mount]", "/mnt/\"q\"", "/mnt/tab\tx", "/mnt/new\nline",
            "/mnt/-", "/-", "/mnt/x.", "/mnt/a:b", "/srv/web", "/var/lib/kubelet/pods", "/mnt/./.", "/.",
            "/mnt/my disk/ü-%.d\\x/.hidden",
        ];
        foreach (string path in basic)
        {
            yield return path;
        }

        foreach (int length in new[] { 200, 249, 250, 251, 255, 256, 300 })
        {
            yield return "/" + new string('m', length);
        }

        yield return "/mnt/" + string.Join('/', System.Linq.Enumerable.Repeat("deep", 60));
        yield return "/" + string.Join('/', System.Linq.Enumerable.Repeat(new string('x', 200), 21));
    }
}
