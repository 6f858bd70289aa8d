using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Rbdfence.Table;
using Xunit;

namespace Rbdfence.Cli.Tests;

/// <summary>
/// <c>rbdfence list</c> without a cluster or systemd: the table read as the generator reads it
/// (bad lines listed, not fatal), the unit states mapped, the JSON shape, and an unreachable
/// cluster still listing the local columns, exiting 69 within the connect timeout.
/// </summary>
public sealed class VolumeListTests : IDisposable
{
    private static readonly string Rbdfence = BuiltCli.Dll;

    private readonly string _dir = Directory.CreateTempSubdirectory("rbdfence-list-tests.").FullName;

    [Theory]
    [InlineData("loaded", "active", "running", true, "mounted")]
    [InlineData("loaded", "active", "running", false, "held")]
    [InlineData("loaded", "activating", "start-pre", false, "waiting")]
    [InlineData("loaded", "activating", "start", false, "starting")]
    [InlineData("loaded", "activating", "auto-restart", false, "failed")]
    [InlineData("loaded", "deactivating", "stop-sigterm", true, "stopping")]
    [InlineData("loaded", "inactive", "dead", false, "stopped")]
    [InlineData("loaded", "failed", "failed", false, "failed")]
    [InlineData("not-found", "inactive", "dead", false, "not-loaded")]
    public void Unit_states_map_to_what_the_volume_does(string load, string active, string sub, bool mounted, string expected)
    {
        var properties = new Dictionary<string, string>
        {
            ["LoadState"] = load,
            ["ActiveState"] = active,
            ["SubState"] = sub,
            ["StateChangeTimestamp"] = "@1764921600",
        };

        UnitState state = UnitStates.Map(properties, mounted);

        Assert.Equal(expected, state.State);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1764921600), state.Since);
        Assert.Equal("unknown", UnitStates.Map(null, mounted).State);
    }

    [Fact]
    public void One_systemctl_show_for_all_units_is_split_by_unit()
    {
        string shown =
            "Id=rbdfence@rbd-a.service\nLoadState=loaded\nActiveState=activating\nSubState=start-pre\n" +
            "StatusText=waiting since 2026-12-05 07:00:00Z for the lock, held by boot-2\nResult=success\nStateChangeTimestamp=@1764918000\n\n" +
            "Id=rbdfence@rbd-b.service\nLoadState=loaded\nActiveState=failed\nSubState=failed\nStatusText=\nResult=exit-code\nStateChangeTimestamp=\n";

        Dictionary<string, Dictionary<string, string>> units = UnitStates.Parse(shown);

        UnitState waiting = UnitStates.Map(units["rbdfence@rbd-a.service"], mounted: false);
        Assert.Equal("waiting", waiting.State);
        Assert.Equal("waiting since 2026-12-05 07:00:00Z for the lock, held by boot-2", waiting.StatusText);
        Assert.Null(waiting.Result);
        UnitState failed = UnitStates.Map(units["rbdfence@rbd-b.service"], mounted: false);
        Assert.Equal("failed", failed.State);
        Assert.Equal("exit-code", failed.Result);
        Assert.Null(failed.StatusText);
        Assert.Null(failed.Since);
    }

    [Fact]
    public void Bad_and_duplicate_lines_are_listed_with_their_line_numbers_as_the_generator_skips_them()
    {
        byte[] table = Encoding.UTF8.GetBytes(
            "# volumes\n" +
            "rbd/a /srv/a ext4 defaults\n" +
            "rbd/b /srv/b\n" +
            "rbd/c /srv/a ext4 defaults\n" +
            "rbd/a /srv/d ext4 defaults\n" +
            "rbd/e /srv/e ext4 defaults mode=sometimes\n");

        List<ListedVolume> listed = VolumeList.Assemble(
            VolumeTable.Parse(table), new Dictionary<string, Dictionary<string, string>>(), new HashSet<string> { "/srv/a" },
            new Dictionary<VolumeEntry, LockView>(), _ => null);

        Assert.Equal([2, 3, 4, 5, 6], listed.Select(l => l.Line));
        ListedVolume good = listed[0];
        Assert.Equal("rbd/a", good.Volume!.Spec);
        Assert.Equal("rbdfence@rbd-a.service", good.Unit);
        Assert.True(good.Mounted);
        Assert.Null(good.Error);
        Assert.Contains("found 2 fields", listed[1].Error, StringComparison.Ordinal);
        Assert.Equal("mount point /srv/a is already used by line 2", listed[2].Error);
        Assert.Equal("volume rbd/a is already listed on line 2", listed[3].Error);
        Assert.Contains("mode 'sometimes'", listed[4].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_cluster_still_lists_the_local_columns_and_exits_69_within_the_connect_timeout()
    {
        string table = WriteTable(
            $"rbd/vol1 /srv/vol1 ext4 defaults conf={Conf()}\n" +
            $"rbd/ns/vol2 /srv/vol\\0402 ext4 nofail conf={Conf()},id=other\n" +
            "rbd/broken /srv/broken\n");

        var clock = Stopwatch.StartNew();
        (int code, string stdout, string stderr) = await RunAsync("list", "--table", table, "--connect-timeout", "2");
        TimeSpan took = clock.Elapsed;

        Assert.Equal(69, code);
        Assert.True(took < TimeSpan.FromSeconds(10), $"list took {took.TotalSeconds:0.0} s with a 2 s connect timeout (the clients connect in parallel)");
        Assert.Contains("cannot connect to the cluster", stderr, StringComparison.Ordinal);
        string[] lines = stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.Matches("^LINE +VOLUME +MOUNTPOINT +MOUNTED +STATE +SINCE +HOLDER +DEVICE +NOTE$", lines[0]);
        Assert.Matches(@"^1 +rbd/vol1 +/srv/vol1 +no +\S+ +- +\? +- +holder unknown: client\.admin .*cannot connect", lines[1]);
        Assert.Matches(@"^2 +rbd/ns/vol2 +/srv/vol 2 +no +\S+ +- +\? +- +holder unknown: client\.other ", lines[2]);
        Assert.Matches("^3 +- +- +- +error .*found 2 fields", lines[3]);

        // The columns line up: every field starts where its header does.
        int holder = lines[0].IndexOf("HOLDER", StringComparison.Ordinal);
        Assert.All(lines.Skip(1).Take(2), l => Assert.Equal('?', l[holder]));
    }

    [Fact]
    public async Task Json_is_one_object_with_a_volumes_array()
    {
        string table = WriteTable($"rbd/vol1 /srv/vol1 ext4 defaults conf={Conf()},mode=advisory\nrbd/vol1 /srv/again ext4 defaults\n");

        (int code, string stdout, _) = await RunAsync("list", "--table", table, "--connect-timeout", "1", "--json");

        Assert.Equal(69, code);
        using var json = JsonDocument.Parse(stdout);
        JsonElement root = json.RootElement;
        Assert.Equal(table, root.GetProperty("table").GetString());
        Assert.Equal(69, root.GetProperty("exitCode").GetInt32());
        JsonElement[] volumes = [.. root.GetProperty("volumes").EnumerateArray()];
        Assert.Equal(2, volumes.Length);
        JsonElement volume = volumes[0];
        Assert.Equal(
            ["line", "volume", "mountPoint", "unit", "state", "activeState", "subState", "since", "statusText", "result", "mounted", "device", "deviceTarget", "holder", "holderError"],
            volume.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, volume.GetProperty("line").GetInt32());
        Assert.Equal("rbd/vol1", volume.GetProperty("volume").GetString());
        Assert.Equal("/srv/vol1", volume.GetProperty("mountPoint").GetString());
        Assert.Equal("rbdfence@rbd-vol1.service", volume.GetProperty("unit").GetString());
        Assert.False(volume.GetProperty("mounted").GetBoolean());
        Assert.Equal(JsonValueKind.Null, volume.GetProperty("holder").ValueKind);
        Assert.Contains("cannot connect to the cluster", volume.GetProperty("holderError").GetString(), StringComparison.Ordinal);
        Assert.Equal(["line", "state", "error"], volumes[1].EnumerateObject().Select(p => p.Name));
        Assert.Equal("error", volumes[1].GetProperty("state").GetString());
        Assert.Equal("volume rbd/vol1 is already listed on line 1", volumes[1].GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_table_others_can_write_is_refused_with_77_as_the_generator_refuses_it()
    {
        string table = WriteTable($"rbd/vol1 /srv/vol1 ext4 defaults conf={Conf()}\n");
        File.SetUnixFileMode(table, (UnixFileMode)0b110_110_110);

        (int code, string stdout, string stderr) = await RunAsync("list", "--table", table);

        Assert.Equal(77, code);
        Assert.Empty(stdout);
        Assert.Equal($"rbdfence: the volume table {table} is writable by group or others (mode 0666); refusing it (chmod go-w)", stderr.TrimEnd('\n'));
    }

    [Fact]
    public async Task A_table_named_on_the_command_line_must_exist()
    {
        (int code, _, string stderr) = await RunAsync("list", "--table", Path.Join(_dir, "nope"));

        Assert.Equal(64, code);
        Assert.Equal($"rbdfence: no volume table at {Path.Join(_dir, "nope")}", stderr.TrimEnd('\n'));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteTable(string text)
    {
        string table = Path.Join(_dir, "rbdfencetab");
        File.WriteAllText(table, text);
        File.SetUnixFileMode(table, (UnixFileMode)0b110_100_100);
        return table;
    }

    /// <summary>A conf whose monitor is a closed loopback port: nothing outside this machine is contacted.</summary>
    private string Conf()
    {
        string conf = Path.Join(_dir, "ceph.conf");
        File.WriteAllText(conf, "[global]\nmon host = 127.0.0.1:9\nauth supported = none\n");
        return conf;
    }

    private async Task<(int Code, string StdOut, string StdErr)> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Rbdfence);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["HOME"] = _dir;
        psi.Environment["DOTNET_CLI_HOME"] = _dir;
        psi.Environment.Remove("CEPH_ARGS");
        psi.Environment.Remove("CEPH_KEYRING");
        return await BuiltCli.RunAsync(psi);
    }
}
