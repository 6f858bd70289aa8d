using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;

// Containers, namespaces and one cluster are shared: the tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Rbdfence.Boot.Tests;

/// <summary>
/// What the boot tests share: rbdfence installed into a staging tree (<c>scripts/install
/// --destdir</c>, the NativeAOT binaries the containers run), a throwaway cluster in a
/// network namespace of its own, and host namespaces on its bridge for the containers.
/// </summary>
public sealed class BootCluster : IAsyncLifetime
{
    public const string Collection = "boot-cluster";

    public const int HostCount = 6;

    /// <summary>
    /// The cluster's <c>osd_client_watch_timeout</c>: how long a dead client's watch lingers.
    /// Short, so that a killed holder goes silent in seconds (the fault scenarios wait it out).
    /// </summary>
    public static readonly TimeSpan WatchTimeout = TimeSpan.FromSeconds(5);

    private readonly string _prefix = "rb" + Random.Shared.Next(0x10000).ToString("x4", CultureInfo.InvariantCulture);
    private readonly string _subnet = "10.77." + Random.Shared.Next(200, 240).ToString(CultureInfo.InvariantCulture);
    private CephCluster? _cluster;
    private bool _namespaces;

    /// <summary>Scratch space: the install tree, each container's /etc/ceph, shared confs.</summary>
    public string Work { get; } = Directory.CreateTempSubdirectory("rbdfence-boot.").FullName;

    /// <summary>
    /// The install tree the containers overlay on /usr: built by the fixture, or, when
    /// <c>RBDFENCE_BOOT_INSTALL_TREE</c> names one (<c>scripts/install --destdir DIR</c>), that
    /// one as it is (for iterating on the tests; CI always builds).
    /// </summary>
    public string InstallTree { get; private set; } = string.Empty;

    /// <summary>Bound read-only into every container, at the same path (confs that are not the cluster's).</summary>
    public string Shared => Path.Join(Work, "shared");

    public CephCluster Cluster => _cluster ?? throw new InvalidOperationException("the boot cluster is not up");

    public string Prefix => _prefix;

    /// <summary>The network namespace of host <paramref name="i"/> (1-based).</summary>
    public string HostNamespace(int i) =>
        i is >= 1 and <= HostCount ? $"{_prefix}-h{i}" : throw new ArgumentOutOfRangeException(nameof(i));

    public async Task InitializeAsync()
    {
        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException("the boot tests need root (network namespaces, containers, loop devices)");
        }

        if (Environment.GetEnvironmentVariable("RBDFENCE_BOOT_INSTALL_TREE") is { Length: > 0 } given)
        {
            InstallTree = given;
        }
        else
        {
            InstallTree = Path.Join(Work, "install");
            (await RepoScripts.RunAsync("install", ["--destdir", InstallTree], TimeSpan.FromMinutes(10))).EnsureSuccess();
        }

        Directory.CreateDirectory(Shared);

        (await CephCluster.RunScriptAsync("netns-up", "--prefix", _prefix, "--hosts", HostCount.ToString(CultureInfo.InvariantCulture), "--subnet", _subnet))
            .EnsureSuccess();
        _namespaces = true;
        _cluster = await CephCluster.StartAsync(extraArguments:
        [
            "--netns", $"{_prefix}-cluster", "--addr", $"{_subnet}.1",
            "--set", $"osd_client_watch_timeout={WatchTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}",
        ]);
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        if (_namespaces)
        {
            await CephCluster.RunScriptAsync("netns-down", "--prefix", _prefix);
        }

        Directory.Delete(Work, recursive: true);
    }

    /// <summary>
    /// A table line for <paramref name="volume"/> on this cluster (or <paramref name="conf"/>), fuse
    /// backend; <paramref name="options"/> are more rbdfence options (<c>grace=3</c>).
    /// </summary>
    public string TableLine(string volume, string mountPoint, string mountOptions = "defaults", string? conf = null, string? options = null) =>
        $"{volume} {mountPoint} ext4 {mountOptions} backend=fuse,conf={conf ?? Cluster.ConfPath}{(options is null ? string.Empty : "," + options)}\n";

    /// <summary>
    /// Empties the cluster's blocklist: the hosts' namespaces (and so their addresses) are
    /// reused by later tests, which a fence of a whole address would otherwise break for an hour.
    /// </summary>
    public async Task ClearBlocklistAsync() => (await Cluster.CephAsync("osd", "blocklist", "clear")).EnsureSuccess();

    /// <summary><c>ceph osd blocklist ls</c>: one entry (address, expiry) a line.</summary>
    public async Task<string> BlocklistAsync() => (await Cluster.CephAsync("osd", "blocklist", "ls")).EnsureSuccess().StdOut;

    /// <summary>The holder record rbdfence keeps in the image's metadata, or null when there is none.</summary>
    public async Task<string?> HolderRecordAsync(string volume)
    {
        CommandResult get = await Cluster.RbdAsync("image-meta", "get", volume, "rbdfence.holder");
        return get.Succeeded ? get.StdOut.Trim() : null;
    }

    /// <summary>Takes host <paramref name="i"/>'s only link down (or up again): the cluster is unreachable from it meanwhile.</summary>
    public async Task SetLinkAsync(int i, bool up) =>
        (await Processes.RunAsync("ip", ["-n", HostNamespace(i), "link", "set", "eth0", up ? "up" : "down"])).EnsureSuccess();

    /// <summary>The host address of host <paramref name="i"/> (1-based) on the cluster's bridge.</summary>
    public string HostAddress(int i) => $"{_subnet}.{10 + i}";

    /// <summary>
    /// A figure for the closing summary of <c>scripts/test</c> (the lines of
    /// <c>$RBDFENCE_FAULTS_SUMMARY</c>), prefixed "BOOT".
    /// </summary>
    public static void Report(string line)
    {
        if (Environment.GetEnvironmentVariable("RBDFENCE_FAULTS_SUMMARY") is { Length: > 0 } summary)
        {
            File.AppendAllText(summary, "BOOT " + line + Environment.NewLine);
        }
    }

    /// <summary>The volume's service as the generator names it (rbd/a-b → rbdfence@rbd-a\x2db.service).</summary>
    public static string InstanceOf(string volume) =>
        $"rbdfence@{volume.Replace("-", "\\x2d", StringComparison.Ordinal).Replace('/', '-')}.service";

    /// <summary>
    /// A fresh image with an ext4 file system on it (made locally, then imported: nothing
    /// needs mapping), in advisory mode.
    /// </summary>
    public async Task<string> CreateFormattedImageAsync(string prefix)
    {
        string name = $"{prefix}-{Guid.NewGuid():N}"[..20];
        string file = Path.Join(Work, name + ".img");
        try
        {
            using (FileStream stream = File.Create(file))
            {
                stream.SetLength(64L << 20);
            }

            (await Processes.RunAsync("mkfs.ext4", ["-q", "-F", "-L", name[..Math.Min(16, name.Length)], file])).EnsureSuccess();
            (await Cluster.RunAsync("rbd", ["import", "--no-progress", "--image-feature", "layering", file, "rbd/" + name])).EnsureSuccess();
        }
        finally
        {
            File.Delete(file);
        }

        return "rbd/" + name;
    }

    /// <summary>
    /// <paramref name="count"/> fresh 32 MiB images with an ext4 file system each, in
    /// advisory mode: one file system made locally, imported once per image by one shell
    /// loop in the cluster's namespace (a process start per image from here was the slow part).
    /// </summary>
    public async Task<List<string>> CreateFormattedImagesAsync(string prefix, int count)
    {
        string stem = $"{prefix}-{Guid.NewGuid():N}"[..12];
        List<string> names = Enumerable.Range(0, count).Select(i => $"{stem}-{i:000}").ToList();
        string file = Path.Join(Work, stem + ".img");
        try
        {
            using (FileStream stream = File.Create(file))
            {
                stream.SetLength(32L << 20);
            }

            (await Processes.RunAsync("mkfs.ext4", ["-q", "-F", file])).EnsureSuccess();
            (await Cluster.RunAsync(
                "sh",
                ["-c", "f=$1; shift; for n; do rbd import --no-progress --image-feature layering \"$f\" \"rbd/$n\" || exit 1; done", "sh", file, .. names],
                TimeSpan.FromSeconds(30 + (2 * count)))).EnsureSuccess();
        }
        finally
        {
            File.Delete(file);
        }

        return names.Select(n => "rbd/" + n).ToList();
    }
}

[CollectionDefinition(BootCluster.Collection)]
public sealed class BootCollection : ICollectionFixture<BootCluster>;
