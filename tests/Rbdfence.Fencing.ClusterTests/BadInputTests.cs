using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;

namespace Rbdfence.Fencing.ClusterTests;

/// <summary>Every bad input: one clear line, the documented exit code, nothing left locked.</summary>
[Collection(MultiHostCluster.Collection)]
public sealed class BadInputTests(MultiHostCluster cluster)
{
    [Theory]
    [InlineData("just-an-image", 64, "is not a volume spec")]
    [InlineData("rbd//x", 64, "empty component")]
    [InlineData("nosuchpool/img", 66, "no such pool")]
    [InlineData("rbd/no-such-image", 66, "no such pool, namespace or image")]
    public async Task A_bad_volume_is_one_line_and_its_exit_code(string spec, int code, string text)
    {
        CommandResult r = await cluster.Host(1).RbdfenceAsync("acquire", spec);
        AssertOneLine(r, code, text);
    }

    [Theory]
    [InlineData("map", "rbd/with space")]
    [InlineData("map", "rbd/comma,image")]
    [InlineData("hold", "rbd/equals=image")]
    public async Task A_name_no_backend_can_map_is_refused_before_the_lock_is_taken(string verb, string spec)
    {
        // Ceph allows these names; the kernel's add string and rbd-fuse's options do not.
        (await cluster.Cluster.RbdAsync("create", "--size", "16", "--image-feature", "layering", spec)).EnsureSuccess();
        AssertOneLine(await cluster.Host(1).RbdfenceAsync(verb, spec, "--backend", "fuse"), 64, "cannot be passed to a map backend");
        await AssertUnlockedAsync(spec);
    }

    [Fact]
    public async Task A_keyring_others_can_write_is_refused()
    {
        string volume = await cluster.CreateImageAsync("loosekey");
        string keyring = Path.Combine(cluster.Cluster.Dir, "loose.keyring");
        File.Copy(cluster.Cluster.KeyringPath, keyring, overwrite: true);
        (await cluster.Host(1).RunAsync("chmod", "664", keyring)).EnsureSuccess();
        AssertOneLine(await cluster.Host(1).RbdfenceAsync("acquire", volume, "--keyring", keyring), 77, "is writable by group or others (mode 0664)");
        await AssertUnlockedAsync(volume);
    }

    [Fact]
    public async Task An_unknown_option_is_a_usage_error()
    {
        string volume = await cluster.CreateImageAsync("badopt");
        AssertOneLine(await cluster.Host(1).RbdfenceAsync("acquire", volume, "--no-such-option"), 64, "--no-such-option");
        await AssertUnlockedAsync(volume);
    }

    [Fact]
    public async Task A_wrong_key_is_permission_denied()
    {
        string volume = await cluster.CreateImageAsync("badkey");
        string keyring = Path.Combine(cluster.Cluster.Dir, "wrong.keyring");
        // A well-formed key the cluster does not know.
        string key = (await cluster.Cluster.RunAsync("ceph-authtool", ["--gen-print-key"])).EnsureSuccess().StdOut.Trim();
        await File.WriteAllTextAsync(keyring, $"[client.rbdfence]\n\tkey = {key}\n");
        AssertOneLine(await cluster.Host(1).RbdfenceAsync("acquire", volume, "--keyring", keyring), 77, "permission denied");
        await AssertUnlockedAsync(volume);
    }

    [Fact]
    public async Task An_unreachable_monitor_fails_within_the_connect_timeout()
    {
        string conf = Path.Combine(cluster.Cluster.Dir, "unreachable.conf");
        // A host address nothing listens on, inside the test network: connection attempts go unanswered.
        await File.WriteAllTextAsync(conf, $"[global]\nmon host = {cluster.Host(6).Address}:3300\nkeyring = {cluster.Cluster.KeyringPath}\n");
        var clock = Stopwatch.StartNew();
        CommandResult r = await cluster.Host(1).RunAsync("env", "dotnet", BuiltTools.Rbdfence, "acquire", "rbd/x", "--conf", conf, "--connect-timeout", "3");
        AssertOneLine(r, 69, "cluster");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Advisory_mode_on_an_exclusive_lock_image_is_refused_with_the_reason()
    {
        string volume = await cluster.CreateImageAsync("unsafe", "layering,exclusive-lock");
        AssertOneLine(await cluster.Host(1).RbdfenceAsync("acquire", volume, "--mode", "advisory"), 65, "would block every writer");
        await AssertUnlockedAsync(volume);
    }

    private static void AssertOneLine(CommandResult r, int code, string text)
    {
        Assert.True(r.ExitCode == code, $"expected exit {code}: {r}");
        string line = Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("rbdfence: ", line, StringComparison.Ordinal);
        Assert.Contains(text, line, StringComparison.Ordinal);
    }

    private async Task AssertUnlockedAsync(string volume) =>
        Assert.Equal("[]", (await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", volume)).EnsureSuccess().StdOut.Trim());
}
