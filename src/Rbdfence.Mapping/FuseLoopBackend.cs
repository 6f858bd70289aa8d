using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Rbdfence.Volumes;

namespace Rbdfence.Mapping;

/// <summary>
/// Ceph's <c>rbd-fuse</c> serving the image as a file, and a loop device on that file: for
/// hosts or containers without the rbd/nbd kernel modules, and for fast tests. Advisory
/// mode only: rbd-fuse opens the image with plain librbd, which hands the managed lock
/// over to any other writer that asks, so it cannot fence anything in managed mode
/// (<see cref="SupportsExclusive"/> is false and exclusive requests are refused).
/// <para>
/// Layout: the FUSE mount for a volume is <c>&lt;root&gt;/&lt;pool%2F[ns%2F]image&gt;</c>
/// (default root <c>/run/rbdfence/fuse</c>), the loop device's back file is
/// <c>&lt;mount&gt;/&lt;image&gt;</c>; finding a mapping needs nothing but
/// the kernel's list of loop devices (<see cref="LoopDevices.FromSysfs"/>), so it survives a restart of the process that mapped it.
/// </para>
/// <para>
/// rbd-fuse runs in a mount namespace of its own (<see cref="OwnMountNamespace"/>): the
/// mount exists only there, and the host opens the image file through
/// <c>/proc/PID/root</c>. Once rbd-fuse is gone, so is its mount, and the loop device's
/// back file reads <c>/&lt;image&gt;</c>: a holder still knows its device by path.
/// </para>
/// </summary>
public sealed class FuseLoopBackend : IMapBackend
{
    /// <summary>The production root of the FUSE mounts.</summary>
    public const string DefaultRoot = "/run/rbdfence/fuse";

    private readonly ICommandRunner _runner;
    private readonly MapLog? _log;
    private readonly TimeSpan _timeout;

    /// <summary>Creates the backend.</summary>
    /// <param name="root">Directory for the FUSE mounts.</param>
    /// <param name="runner">Runs rbd-fuse, losetup and fusermount; null for real processes.</param>
    /// <param name="log">Receives log lines; null for none.</param>
    /// <param name="timeout">Limit for each step (rbd-fuse start, image file appearing, …); default 30 s.</param>
    public FuseLoopBackend(string root = DefaultRoot, ICommandRunner? runner = null, MapLog? log = null, TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
        _runner = runner ?? new ProcessCommandRunner();
        _log = log;
        _timeout = timeout ?? TimeSpan.FromSeconds(30);
    }

    /// <summary>The directory holding the FUSE mounts.</summary>
    public string Root { get; }

    /// <inheritdoc/>
    public string Name => "fuse";

    /// <inheritdoc/>
    public bool SupportsExclusive => MapBackend.Fuse.HoldsLockExclusively();

    /// <summary>The FUSE mount directory used for <paramref name="volume"/>.</summary>
    public string MountDirFor(VolumeSpec volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var builder = new StringBuilder();
        foreach (byte b in Encoding.UTF8.GetBytes(volume.ToString()))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'.' or (byte)'_' or (byte)'-')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return Path.Combine(Root, builder.ToString());
    }

    /// <inheritdoc/>
    public async Task<MappedDevice> MapAsync(MapRequest request, CancellationToken cancellationToken = default)
    {
        MapRequestChecks.Validate(request, this);
        VolumeSpec volume = request.Volume;
        if (volume.Snapshot is not null)
        {
            throw new MapException($"the fuse backend serves image heads only; {volume} is a snapshot (use krbd or nbd)");
        }

        string mountDir = MountDirFor(volume);
        string imageFile = Path.Combine(mountDir, volume.Image);
        // An rbd-fuse or a recorded device left by a holder that died; or, from a version that
        // mounted in the host's namespace, a mount (not Directory.Exists: a dead one fails
        // stat, ENOTCONN).
        if (RecordedDevice(mountDir) is not null || RbdFuseProcesses(mountDir).Count > 0 || MountTable.IsMountPoint(mountDir))
        {
            MappedDevice? existing = await FindMappedAsync(volume, cancellationToken).ConfigureAwait(false);
            if (existing is not null)
            {
                throw new MapException($"{volume} is already mapped at {existing.DevicePath} by the fuse backend");
            }

            _log?.Invoke(MapLogLevel.Warning, $"fuse: removing a stale rbd-fuse mount at {mountDir} (no loop device on it)");
            await UnmountFuseAsync(mountDir, cancellationToken).ConfigureAwait(false);
        }

        Directory.CreateDirectory(mountDir);
        bool mapped = false;
        try
        {
            var arguments = new List<string> { mountDir };
            if (request.ConfPath is not null)
            {
                arguments.Add("-c");
                arguments.Add(request.ConfPath);
            }

            arguments.Add("-p");
            arguments.Add(volume.Pool);
            if (volume.Namespace.Length > 0)
            {
                arguments.Add("-s");
                arguments.Add(volume.Namespace);
            }

            arguments.Add("-r");
            arguments.Add(volume.Image);

            // No librbd write-back cache: rbd-fuse's fsync calls rbd_flush and ignores its
            // result, so a flush that fails (this client blocklisted) would acknowledge cached
            // writes the image never gets. Uncached, every write reaches the OSDs before it
            // returns, and a fenced client's write fails (EIO through the loop device).
            arguments.Add("--rbd_cache=false");
            request.AddClientArguments(arguments, conf: false); // -c went first, as rbd-fuse's synopsis has it

            _log?.Invoke(MapLogLevel.Information, $"fuse: starting rbd-fuse for {volume} at {mountDir}");
            CommandOutput fuse = await _runner.RunAsync(
                OwnMountNamespace.Launcher, OwnMountNamespace.Arguments("rbd-fuse", arguments), _timeout, cancellationToken).ConfigureAwait(false);
            if (!fuse.Succeeded)
            {
                throw new MapException($"rbd-fuse could not serve {volume}: {Describe(fuse)}");
            }

            // rbd-fuse daemonizes once mounted, its child forked before the launcher exited:
            // found with one scan.
            List<int> serving = RbdFuseProcesses(mountDir);
            if (serving is not [int pid])
            {
                throw new MapException(serving.Count == 0
                    ? $"rbd-fuse for {volume} exited right after mounting {mountDir}"
                    : $"{serving.Count} rbd-fuse processes serve {mountDir} (pids {string.Join(", ", serving)}): one left by a map that was killed? Stopping them all");
            }

            // It connects to the cluster after mounting: the image file shows up when it can
            // actually serve the image.
            var stopwatch = Stopwatch.StartNew();
            string servedFile = OwnMountNamespace.PathFromHost(pid, imageFile);
            while (!File.Exists(servedFile))
            {
                if (!LinuxProcesses.IsRunning(pid))
                {
                    throw new MapException(
                        $"rbd-fuse for {volume} exited before {volume.Image} appeared in its mount " +
                        "(wrong image, pool or namespace, no access for this client, or the cluster is unreachable)");
                }

                if (stopwatch.Elapsed > _timeout)
                {
                    throw new MapException(
                        $"rbd-fuse mounted {mountDir} but {volume.Image} did not appear in it within {_timeout.TotalSeconds:0.#} s " +
                        "(wrong image, pool or namespace, no access for this client, or the cluster is unreachable)");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken).ConfigureAwait(false);
            }

            string device = await new LoopAttacher(_runner, _timeout, _log)
                .AttachAsync(servedFile, request.ReadOnly, ListLoopsAsync, cancellationToken).ConfigureAwait(false);

            RecordDevice(mountDir, device);
            mapped = true;
            _log?.Invoke(MapLogLevel.Information, $"fuse: {volume} mapped at {device}");
            return new MappedDevice(volume, device, Name, mountDir, request.ReadOnly);
        }
        finally
        {
            if (!mapped)
            {
                await CleanUpAfterFailureAsync(mountDir).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    public async Task<MappedDevice?> FindMappedAsync(VolumeSpec volume, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(volume);
        string mountDir = MountDirFor(volume);
        string imageFile = Path.Combine(mountDir, volume.Image);
        LoopDevice? loop = (await OurLoopsAsync(mountDir, imageFile, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
        return loop is null ? null : new MappedDevice(volume, loop.Device, Name, mountDir, loop.ReadOnly);
    }

    /// <inheritdoc/>
    public Task UnmapAsync(MappedDevice device, CancellationToken cancellationToken = default) =>
        UnmapAsync(device, released: null, cancellationToken);

    /// <inheritdoc/>
    public async Task UnmapAsync(MappedDevice device, Action? released, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        string mountDir = MountDirFor(device.Volume);
        if (!string.Equals(Path.GetFullPath(device.BackendId), mountDir, StringComparison.Ordinal))
        {
            throw new ArgumentException($"{device.BackendId} is not this backend's mount for {device.Volume}", nameof(device));
        }

        string imageFile = Path.Combine(mountDir, device.Volume.Image);
        _log?.Invoke(MapLogLevel.Information, $"fuse: unmapping {device.DevicePath} ({device.Volume})");
        List<LoopDevice> ours = await OurLoopsAsync(mountDir, imageFile, cancellationToken).ConfigureAwait(false);
        foreach (LoopDevice loop in ours)
        {
            CommandOutput detach = await _runner.RunAsync("losetup", ["-d", loop.Device], _timeout, cancellationToken).ConfigureAwait(false);
            if (!detach.Succeeded)
            {
                throw new MapException($"losetup could not detach {loop.Device} ({device.Volume}): {Describe(detach)}");
            }
        }

        // A busy loop device is only marked for autoclear by "losetup -d": it must be gone
        // before the FUSE mount can go. Only these devices are looked at while waiting (a
        // device cleared and taken by another file meanwhile is gone as far as this one goes):
        // at shutdown every holder of the host waits at once.
        var stopwatch = Stopwatch.StartNew();
        while (ours.Any(loop => LoopDevices.Of(loop.Device) is { } now && string.Equals(now.BackFile, loop.BackFile, StringComparison.Ordinal)))
        {
            if (stopwatch.Elapsed > TimeSpan.FromSeconds(5))
            {
                throw new MapException($"the loop device on {imageFile} is still in use (mounted or open?); it detaches once released");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
        }

        await UnmountFuseAsync(mountDir, cancellationToken).ConfigureAwait(false);
        released?.Invoke(); // rbd-fuse has closed the image once it exited
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Kills rbd-fuse (the only Ceph client of the device) and aborts its FUSE connection, so
    /// that the loop device's reads and writes fail at once instead of hanging; then the loop
    /// device is marked for release.
    /// </remarks>
    public async Task ForceUnmapAsync(MappedDevice device, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        string mountDir = MountDirFor(device.Volume);
        List<LoopDevice> loops = await OurLoopsAsync(mountDir, Path.Combine(mountDir, device.Volume.Image), cancellationToken).ConfigureAwait(false);
        List<int> pids = RbdFuseProcesses(mountDir);
        // Read while rbd-fuse lives: its mount, and so the connection's number, is in its namespace.
        List<string> connections = pids.Select(pid => FuseConnections.MinorOf(mountDir, $"/proc/{pid}/mountinfo"))
            .Append(FuseConnections.MinorOf(mountDir, "/proc/self/mountinfo"))
            .OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        pids.ForEach(pid => LinuxProcesses.Signal(pid, LinuxProcesses.SIGKILL));
        if (pids.Count > 0)
        {
            _log?.Invoke(MapLogLevel.Warning, $"fuse: killed rbd-fuse (pid {string.Join(", ", pids)}) serving {device.DevicePath}");
        }

        connections.ForEach(minor => FuseConnections.AbortConnection(minor));
        if (MountTable.IsMountPoint(mountDir))
        {
            await _runner.RunAsync("umount", ["-l", mountDir], _timeout, cancellationToken).ConfigureAwait(false);
        }

        foreach (LoopDevice loop in loops)
        {
            // Busy (a file system still on it): marked to be freed when its last user goes.
            await _runner.RunAsync("losetup", ["-d", loop.Device], _timeout, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The loop devices on this volume's rbd-fuse file: by their back file while rbd-fuse
    /// lives; once it is gone (its mount gone with its namespace, the back file reads
    /// <c>/&lt;image&gt;</c>) the one the map recorded, if it still reads so. The record
    /// outlives the holder (it is in the state directory), so a restarted holder and
    /// <c>release</c> still see a dead device with a file system on it. None without the
    /// mount directory (removed only once the volume is unmapped), which saves listing
    /// loop devices, a process start, on every release of a volume that never used this
    /// backend.
    /// </summary>
    private async Task<List<LoopDevice>> OurLoopsAsync(string mountDir, string imageFile, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(mountDir) && !MountTable.IsMountPoint(mountDir))
        {
            return []; // a dead rbd-fuse's host mount (older versions) fails stat, hence the mount table
        }

        string? recorded = RecordedDevice(mountDir);
        string orphaned = "/" + Path.GetFileName(imageFile);
        return (await ListLoopsAsync(cancellationToken).ConfigureAwait(false))
            .Where(l => string.Equals(l.BackFile, imageFile, StringComparison.Ordinal)
                || (string.Equals(l.Device, recorded, StringComparison.Ordinal) && string.Equals(l.BackFile, orphaned, StringComparison.Ordinal)))
            .ToList();
    }

    /// <summary>Where the map records its loop device: <c>&lt;mount&gt;.loop</c>, a symbolic link to it.</summary>
    private static string RecordOf(string mountDir) => mountDir + ".loop";

    private static void RecordDevice(string mountDir, string device)
    {
        File.Delete(RecordOf(mountDir));
        File.CreateSymbolicLink(RecordOf(mountDir), device);
    }

    private static string? RecordedDevice(string mountDir)
    {
        try
        {
            return new FileInfo(RecordOf(mountDir)).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static Task<IReadOnlyList<LoopDevice>> ListLoopsAsync(CancellationToken cancellationToken) =>
        Task.FromResult(LoopDevices.FromSysfs());

    /// <summary>
    /// Stops rbd-fuse (SIGTERM: it unmounts, closes the image, which waits for the OSDs, and
    /// exits), waits for it to be gone, removes the directory. Returns only once no rbd-fuse
    /// serves the mount any more. A mount in the host's namespace (older versions) is
    /// unmounted first.
    /// </summary>
    private async Task UnmountFuseAsync(string mountDir, CancellationToken cancellationToken)
    {
        if (MountTable.IsMountPoint(mountDir))
        {
            CommandOutput unmount = await _runner.RunAsync("fusermount", ["-u", mountDir], _timeout, cancellationToken).ConfigureAwait(false);
            if (!unmount.Succeeded && MountTable.IsMountPoint(mountDir))
            {
                CommandOutput umount = await _runner.RunAsync("umount", [mountDir], _timeout, cancellationToken).ConfigureAwait(false);
                if (!umount.Succeeded)
                {
                    throw new MapException($"cannot unmount the rbd-fuse mount {mountDir}: {Describe(unmount)}; {Describe(umount)}");
                }
            }
        }

        await StopRbdFuseAsync(mountDir).ConfigureAwait(false);
        File.Delete(RecordOf(mountDir)); // its loop devices are gone: the caller waited for that
        try
        {
            Directory.Delete(mountDir);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone.
        }
    }

    private async Task StopRbdFuseAsync(string mountDir)
    {
        // One scan of /proc, then only those processes are watched: every holder of a host
        // stops at once at shutdown, and each scan reads every process's command line.
        List<int> pids = RbdFuseProcesses(mountDir);
        var stopwatch = Stopwatch.StartNew();
        bool terminated = false, killed = false;
        while (true)
        {
            pids.RemoveAll(pid => !LinuxProcesses.IsRunning(pid));
            if (pids.Count == 0)
            {
                return;
            }

            if (stopwatch.Elapsed > TimeSpan.FromSeconds(15))
            {
                // Killed and still there (stuck in the kernel): it may still hold the image
                // open, so the caller must not let the lock go.
                throw new MapException($"rbd-fuse for {mountDir} (pid {string.Join(", ", pids)}) did not exit after SIGKILL");
            }

            if (!killed && stopwatch.Elapsed > TimeSpan.FromSeconds(10))
            {
                pids.ForEach(pid => LinuxProcesses.Signal(pid, LinuxProcesses.SIGKILL));
                _log?.Invoke(MapLogLevel.Warning, $"fuse: killed rbd-fuse for {mountDir} (pid {string.Join(", ", pids)})");
                killed = true;
            }

            if (!terminated)
            {
                pids.ForEach(pid => LinuxProcesses.Signal(pid, LinuxProcesses.SIGTERM));
                terminated = true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>The rbd-fuse processes serving <paramref name="volume"/>.</summary>
    public List<int> ServingProcesses(VolumeSpec volume) => RbdFuseProcesses(MountDirFor(volume));

    /// <summary>The rbd-fuse processes serving <paramref name="mountDir"/>.</summary>
    internal static List<int> RbdFuseProcesses(string mountDir) =>
        LinuxProcesses.Find("rbd-fuse", argv => argv.Any(a => string.Equals(a, mountDir, StringComparison.Ordinal)));

    private async Task CleanUpAfterFailureAsync(string mountDir)
    {
        try
        {
            await UnmountFuseAsync(mountDir, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MapException or IOException or UnauthorizedAccessException)
        {
            _log?.Invoke(MapLogLevel.Warning, $"fuse: cleanup of {mountDir} after a failed map failed: {e.Message}");
        }
    }

    private static string Describe(CommandOutput output) =>
        output.TimedOut ? "timed out" : $"exit {output.ExitCode}: {output.Message}";
}
