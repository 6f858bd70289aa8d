using System;
using System.IO;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;

namespace Rbdfence.TestCluster.Tests;

[Collection(CephClusterFixture.Collection)]
public sealed class SharedClusterTests
{
    private readonly CephClusterFixture _cluster;

    public SharedClusterTests(CephClusterFixture cluster) => _cluster = cluster;

    private static string NewImageName() => "t-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public void Environment_names_existing_files_and_a_mon_address()
    {
        Assert.True(File.Exists(_cluster.ConfPath), _cluster.ConfPath);
        Assert.True(File.Exists(_cluster.KeyringPath), _cluster.KeyringPath);
        Assert.True(Directory.Exists(_cluster.Dir), _cluster.Dir);
        Assert.Matches(@"^\d{1,3}(\.\d{1,3}){3}:\d+$", _cluster.MonAddress);
        Assert.Contains($"keyring = {_cluster.KeyringPath}", File.ReadAllText(_cluster.ConfPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rbd_create_then_info_shows_the_image()
    {
        string image = "rbd/" + NewImageName();
        (await _cluster.RbdAsync("create", "--size", "64M", image)).EnsureSuccess();

        CommandResult info = (await _cluster.RbdAsync("info", "--format", "json", image)).EnsureSuccess();
        Assert.Contains("\"size\":67108864", info.StdOut, StringComparison.Ordinal);

        (await _cluster.RbdAsync("rm", "--no-progress", image)).EnsureSuccess();
        CommandResult gone = await _cluster.RbdAsync("info", image);
        Assert.False(gone.Succeeded, gone.ToString());
    }

    [Fact]
    public async Task Rbd_lock_add_then_lock_ls_shows_the_lock()
    {
        string image = "rbd/" + NewImageName();
        (await _cluster.RbdAsync("create", "--size", "64M", image)).EnsureSuccess();
        (await _cluster.RbdAsync("lock", "add", image, "cookie-1")).EnsureSuccess();

        CommandResult locks = (await _cluster.RbdAsync("lock", "ls", "--format", "json", image)).EnsureSuccess();
        Assert.Contains("\"id\":\"cookie-1\"", locks.StdOut, StringComparison.Ordinal);

        CommandResult second = await _cluster.RbdAsync("lock", "add", image, "cookie-2");
        Assert.False(second.Succeeded, "a second exclusive lock must be refused: " + second);
    }

    [Fact]
    public async Task Ceph_auth_get_client_admin_works()
    {
        CommandResult result = (await _cluster.CephAsync("auth", "get", "client.admin")).EnsureSuccess();
        Assert.Contains("[client.admin]", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("key = ", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_with_a_wrong_key_is_denied()
    {
        string key = (await _cluster.RunAsync("ceph-authtool", ["--gen-print-key"])).EnsureSuccess().StdOut.Trim();
        string keyring = Path.Combine(Path.GetTempPath(), $"rbdfence-bogus-{Guid.NewGuid():N}.keyring");
        await File.WriteAllTextAsync(keyring, $"[client.admin]\n\tkey = {key}\n");
        try
        {
            CommandResult result = await _cluster.RunAsync(
                "rbd", ["--keyring", keyring, "ls", "rbd"], TimeSpan.FromSeconds(30));
            Assert.False(result.TimedOut, result.ToString());
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("Permission denied", result.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(keyring);
        }
    }

    [Fact]
    public async Task The_restricted_client_can_use_rbd_but_not_administer()
    {
        (await _cluster.RbdAsync("--id", "rbdfence", "ls", "rbd")).EnsureSuccess();

        CommandResult admin = await _cluster.CephAsync("--id", "rbdfence", "auth", "ls");
        Assert.False(admin.Succeeded, admin.ToString());
        Assert.Contains("access denied", admin.StdErr, StringComparison.OrdinalIgnoreCase);
    }
}
