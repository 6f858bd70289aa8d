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
/// <c>losetup</c>'s listing, so it survives a restart of the process that mapped it.
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
        // Not Directory.Exists: a dead rbd-fuse's mount fails stat (ENOTCONN) and looks absent.
        if (MountTable.IsMountPoint(mountDir))
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
            CommandOutput fuse = await _runner.RunAsync("rbd-fuse", arguments, _timeout, cancellationToken).ConfigureAwait(false);
            if (!fuse.Succeeded)
            {
                throw new MapException($"rbd-fuse could not serve {volume}: {Describe(fuse)}");
            }

            // rbd-fuse daemonizes once mounted and connects to the cluster afterwards: the
            // image file shows up when it can actually serve the image.
            var stopwatch = Stopwatch.StartNew();
            while (!File.Exists(imageFile))
            {
                if (stopwatch.Elapsed > _timeout)
                {
                    throw new MapException(
                        $"rbd-fuse mounted {mountDir} but {volume.Image} did not appear in it within {_timeout.TotalSeconds:0.#} s " +
                        "(wrong image, pool or namespace, no access for this client, or the cluster is unreachable)");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken).ConfigureAwait(false);
            }

            string device = await new LoopAttacher(_runner, _timeout, _log)
                .AttachAsync(imageFile, request.ReadOnly, ListLoopsAsync, cancellationToken).ConfigureAwait(false);

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
        foreach (LoopDevice loop in await OurLoopsAsync(mountDir, imageFile, cancellationToken).ConfigureAwait(false))
        {
            {
                CommandOutput detach = await _runner.RunAsync("losetup", ["-d", loop.Device], _timeout, cancellationToken).ConfigureAwait(false);
                if (!detach.Succeeded)
                {
                    throw new MapException($"losetup could not detach {loop.Device} ({device.Volume}): {Describe(detach)}");
                }
            }
        }

        // A busy loop device is only marked for autoclear by "losetup -d": it must be gone
        // before the FUSE mount can go.
        var stopwatch = Stopwatch.StartNew();
        while ((await OurLoopsAsync(mountDir, imageFile, cancellationToken).ConfigureAwait(false)).Count > 0)
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
    /// that the loop device's reads and writes fail at once instead of hanging; then the FUSE
    /// mount is detached lazily and the loop device marked for release.
    /// </remarks>
    public async Task ForceUnmapAsync(MappedDevice device, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        string mountDir = MountDirFor(device.Volume);
        List<int> pids = RbdFuseProcesses(mountDir);
        pids.ForEach(pid => LinuxProcesses.Signal(pid, LinuxProcesses.SIGKILL));
        if (pids.Count > 0)
        {
            _log?.Invoke(MapLogLevel.Warning, $"fuse: killed rbd-fuse (pid {string.Join(", ", pids)}) serving {device.DevicePath}");
        }

        FuseConnections.Abort(mountDir);
        // Listed before the FUSE mount goes: once it is detached the loop device's back file
        // reads "/IMAGE" and no longer names this volume, and the device would leak.
        List<LoopDevice> loops = await OurLoopsAsync(mountDir, Path.Combine(mountDir, device.Volume.Image), cancellationToken).ConfigureAwait(false);
        await _runner.RunAsync("umount", ["-l", mountDir], _timeout, cancellationToken).ConfigureAwait(false);
        foreach (LoopDevice loop in loops)
        {
            // Busy (a file system still on it): marked to be freed when its last user goes.
            await _runner.RunAsync("losetup", ["-d", loop.Device], _timeout, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The loop devices on this volume's rbd-fuse file. None without the mount directory (it
    /// outlives a dead rbd-fuse until it is unmounted), which saves listing loop devices, a
    /// process start, on every release of a volume that never used this backend.
    /// </summary>
    private async Task<List<LoopDevice>> OurLoopsAsync(string mountDir, string imageFile, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(mountDir) && !MountTable.IsMountPoint(mountDir))
        {
            return []; // a dead rbd-fuse's mount fails stat (ENOTCONN), hence the mount table
        }

        return (await ListLoopsAsync(cancellationToken).ConfigureAwait(false))
            .Where(l => string.Equals(l.BackFile, imageFile, StringComparison.Ordinal))
            .ToList();
    }

    private async Task<IReadOnlyList<LoopDevice>> ListLoopsAsync(CancellationToken cancellationToken)
    {
        CommandOutput list = await _runner.RunAsync("losetup", ["-J", "-l"], _timeout, cancellationToken).ConfigureAwait(false);
        if (!list.Succeeded)
        {
            throw new MapException($"losetup could not list loop devices: {Describe(list)}");
        }

        return LoopDevices.Parse(list.StdOut);
    }

    /// <summary>
    /// Unmounts the FUSE mount, waits for its rbd-fuse to exit (signalling it if needed; it
    /// closes the image on its way out, which waits for the OSDs), removes the directory.
    /// Returns only once no rbd-fuse serves the mount any more.
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
        var stopwatch = Stopwatch.StartNew();
        bool terminated = false, killed = false;
        while (true)
        {
            List<int> pids = RbdFuseProcesses(mountDir);
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

            if (!terminated && stopwatch.Elapsed > TimeSpan.FromSeconds(3))
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
        LinuxProcesses.Find(argv =>
            string.Equals(Path.GetFileName(argv[0]), "rbd-fuse", StringComparison.Ordinal)
            && argv.Any(a => string.Equals(a, mountDir, StringComparison.Ordinal)));

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
