using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;

// Two guests and one cluster are shared: the tests run one at a time, in order.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Rbdfence.Vm.Tests;

/// <summary>
/// What the VM tests share (<c>scripts/vm</c>): the cached guest image (prepared on first
/// use), rbdfence installed into a staging tree (<c>scripts/install --destdir</c>, or
/// <c>$RBDFENCE_INSTALL_TREE</c>), a throwaway cluster in a network namespace of its own
/// with <c>osd_client_watch_timeout = 10</c>, and two qemu guests, <c>a</c> and <c>b</c>,
/// on taps of its bridge, booted together with an empty volume table. <see
/// cref="BootWithTablesAsync"/> boots them again with the boot volumes in their tables.
/// </summary>
public sealed class VmCluster : IAsyncLifetime
{
    public const string Collection = "vm-cluster";

    /// <summary>The cluster's <c>osd_client_watch_timeout</c>, seconds.</summary>
    public const int WatchTimeout = 10;

    /// <summary>The grace of every table line, seconds.</summary>
    public const int Grace = 5;

    public static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(300);

    private readonly List<string> _log = [];
    private bool _up;
    private bool _bootedWithTables;

    public VmCluster()
    {
        Work = Directory.CreateTempSubdirectory("rbdfence-vm.").FullName;
    }

    /// <summary>Scratch space: the install tree, tables, the run directory.</summary>
    public string Work { get; }

    public string Run => Path.Join(Work, "run");

    public string InstallTree { get; private set; } = string.Empty;

    /// <summary>The krbd volume in every guest's table at boot (exclusive-lock: managed mode).</summary>
    public string BootVolume { get; } = "rbd/bootk";

    /// <summary>The rbd-nbd volume in every guest's table at boot.</summary>
    public string BootNbdVolume { get; } = "rbd/bootn";

    public string BootTable => TableLine(BootVolume, "/mnt/bootk", "krbd") + TableLine(BootNbdVolume, "/mnt/bootn", "nbd");

    /// <summary>Guest uptime (s) at which a's boot volume was mounted, or null when it was not within the boot timeout.</summary>
    public double? BootToMounted { get; private set; }

    /// <summary>Lines for the report: boot timings.</summary>
    public IReadOnlyList<string> Log => _log;

    public async Task InitializeAsync()
    {
        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException("the VM tests need root (network namespaces, taps, qemu)");
        }

        InstallTree = Environment.GetEnvironmentVariable("RBDFENCE_INSTALL_TREE") is { Length: > 0 } given
            ? given
            : Path.Join(Work, "install");
        if (!File.Exists(Path.Join(InstallTree, "usr", "bin", "rbdfence")))
        {
            (await RepoScripts.RunAsync("install", ["--destdir", InstallTree], TimeSpan.FromMinutes(15))).EnsureSuccess();
        }

        CommandResult up = await VmAsync(
            TimeSpan.FromMinutes(30),
            "up", "--dir", Run, "--set", $"osd_client_watch_timeout={WatchTimeout}",
            "--watch-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        _up = true;
        up.EnsureSuccess();

        await Task.WhenAll(BootAsync("a"), BootAsync("b"));
    }

    /// <summary>
    /// Once: powers both guests off and boots them with the boot volumes in their tables
    /// (one krbd, one rbd-nbd, both managed mode): a first, until its krbd volume is mounted
    /// (or two minutes passed), then b.
    /// </summary>
    public async Task BootWithTablesAsync()
    {
        if (_bootedWithTables)
        {
            return;
        }

        _bootedWithTables = true;
        await CreateFormattedImageAsync(BootVolume);
        await CreateFormattedImageAsync(BootNbdVolume);
        string table = Path.Join(Work, "boot.tab");
        File.WriteAllText(table, BootTable);
        (await SignalAsync("kill", "a")).EnsureSuccess();
        (await SignalAsync("kill", "b")).EnsureSuccess();
        await BootAsync("a", table);
        BootToMounted = await MountedUptimeAsync("a", "mnt-bootk.mount", TimeSpan.FromSeconds(120));
        _log.Add($"guest a: {BootVolume} mounted at {(BootToMounted is { } t ? t.ToString("0.0", CultureInfo.InvariantCulture) + " s of uptime" : "never (within 120 s)")}");
        Report(_log[^1]);
        await BootAsync("b", table);
    }

    public async Task DisposeAsync()
    {
        if (_up)
        {
            CommandResult down = await VmAsync(TimeSpan.FromMinutes(5), "down", "--dir", Run);
            string logs = Path.Join(Run, "logs");
            if (Directory.Exists(logs))
            {
                // Kept for whoever reads a failed run; everything else goes.
                string kept = Path.Join(Path.GetTempPath(), "rbdfence-vm-logs");
                if (Directory.Exists(kept))
                {
                    Directory.Delete(kept, recursive: true);
                }

                Directory.Move(logs, kept);
                Console.Error.WriteLine($"vm tests: guests' consoles and journals in {kept}");
            }

            if (!down.Succeeded)
            {
                Console.Error.WriteLine(down.ToString());
            }
        }

        Directory.Delete(Work, recursive: true);
    }

    /// <summary>
    /// A figure for the closing summary of <c>scripts/test</c> (which prints the lines of
    /// <c>$RBDFENCE_FAULTS_SUMMARY</c> at the end of a run), prefixed "VM".
    /// </summary>
    public static void Report(string line)
    {
        if (Environment.GetEnvironmentVariable("RBDFENCE_FAULTS_SUMMARY") is { Length: > 0 } summary)
        {
            File.AppendAllText(summary, "VM " + line + Environment.NewLine);
        }
    }

    /// <summary>A table line: managed mode by the image's features, this test's grace, nofail.</summary>
    public static string TableLine(string volume, string mountPoint, string backend) =>
        $"{volume} {mountPoint} ext4 defaults,nofail backend={backend},grace={Grace}\n";

    /// <summary>The volume's service as the generator names it (rbd/a-b → rbdfence@rbd-a\x2db.service).</summary>
    public static string InstanceOf(string volume) =>
        $"rbdfence@{volume.Replace("-", "\\x2d", StringComparison.Ordinal).Replace('/', '-')}.service";

    /// <summary>Runs <c>scripts/vm ARGS</c>.</summary>
    public static Task<CommandResult> VmAsync(TimeSpan timeout, params string[] arguments) =>
        RepoScripts.RunAsync("vm", arguments, timeout);

    /// <summary>Runs <paramref name="command"/> (bash) in guest <paramref name="guest"/>.</summary>
    public Task<CommandResult> ExecAsync(string guest, string command, int timeoutSeconds = 60) =>
        VmAsync(
            TimeSpan.FromSeconds(timeoutSeconds + 30),
            "exec", guest, "--dir", Run, "--timeout", timeoutSeconds.ToString(CultureInfo.InvariantCulture), "--", command);

    /// <summary>Runs a Ceph CLI in the cluster's namespace.</summary>
    public Task<CommandResult> CephAsync(params string[] arguments) =>
        VmAsync(TimeSpan.FromSeconds(150), ["ceph", "--dir", Run, "--", .. arguments]);

    /// <summary>Boots (or boots again) a guest; <paramref name="table"/> replaces its rbdfencetab.</summary>
    public async Task BootAsync(string guest, string? table = null)
    {
        var arguments = new List<string> { "boot", guest, "--dir", Run, "--install", InstallTree };
        if (table is not null)
        {
            arguments.AddRange(["--table", table]);
        }

        CommandResult boot = await VmAsync(BootTimeout, [.. arguments]);
        _log.Add(boot.StdErr.Trim());
        boot.EnsureSuccess();
    }

    public Task<CommandResult> SignalAsync(string verb, string guest) => VmAsync(TimeSpan.FromSeconds(60), verb, guest, "--dir", Run);

    /// <summary>
    /// A fresh image of 64 MiB with an ext4 file system and the default features (so
    /// exclusive-lock: managed mode), made locally and imported: nothing needs mapping.
    /// </summary>
    public async Task CreateFormattedImageAsync(string volume)
    {
        string file = Path.Join(Work, Path.GetFileName(volume) + ".img");
        try
        {
            using (FileStream stream = File.Create(file))
            {
                stream.SetLength(64L << 20);
            }

            (await Processes.RunAsync("mkfs.ext4", ["-q", "-F", file])).EnsureSuccess();
            (await CephAsync("rbd", "import", "--no-progress", file, volume)).EnsureSuccess();
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>A plain image of <paramref name="mib"/> MiB with the default features.</summary>
    public async Task CreateImageAsync(string volume, int mib = 64) =>
        (await CephAsync("rbd", "create", "--size", mib.ToString(CultureInfo.InvariantCulture) + "M", volume)).EnsureSuccess();

    /// <summary>systemd's view of <paramref name="unit"/>'s property in the guest.</summary>
    public async Task<string> PropertyAsync(string guest, string unit, string property) =>
        (await ExecAsync(guest, $"systemctl show -P {property} '{unit}'")).EnsureSuccess().StdOut.Trim();

    /// <summary>
    /// Waits until <paramref name="unit"/> is active in the guest; returns the guest's
    /// uptime (s, monotonic) at which it became active, or null on timeout.
    /// </summary>
    public async Task<double?> MountedUptimeAsync(string guest, string unit, TimeSpan timeout)
    {
        string command =
            $"for i in $(seq {(int)timeout.TotalSeconds * 2}); do " +
            $"[ \"$(systemctl show -P ActiveState '{unit}')\" = active ] && {{ systemctl show -P ActiveEnterTimestampMonotonic '{unit}'; exit 0; }}; sleep 0.5; done; exit 1";
        CommandResult result = await ExecAsync(guest, command, (int)timeout.TotalSeconds + 5);
        return result.Succeeded && long.TryParse(result.StdOut.Trim(), out long micros) ? micros / 1e6 : null;
    }

    /// <summary>Waits until <paramref name="unit"/> is active in the guest; false on timeout.</summary>
    public async Task<bool> WaitActiveAsync(string guest, string unit, TimeSpan timeout) =>
        await MountedUptimeAsync(guest, unit, timeout) is not null;

    /// <summary>Systemd's state of the unit and the tail of its journal, for assertion messages.</summary>
    public async Task<string> DescribeAsync(string guest, string unit)
    {
        CommandResult status = await ExecAsync(guest, $"systemctl status --no-pager -n 0 '{unit}'; journalctl --no-pager -n 25 -u '{unit}'");
        return $"guest {guest}, {unit}:\n{status.StdOut}{status.StdErr}";
    }
}

[CollectionDefinition(VmCluster.Collection)]
public sealed class VmCollection : ICollectionFixture<VmCluster>;
