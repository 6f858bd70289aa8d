using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Rbdfence.Linux;
using Rbdfence.Volumes;

namespace Rbdfence.Mapping;

/// <summary>
/// The kernel RBD client (krbd), the production default: maps by writing to
/// <c>/sys/bus/rbd/add_single_major</c>, finds devices under <c>/sys/bus/rbd/devices/</c>,
/// unmaps through <c>remove_single_major</c>. No process is started, so the secret is on no
/// command line: it goes to the kernel keyring (<c>key=</c> option) when the kernel has the
/// <c>ceph</c> key type, else only into the sysfs write (<c>secret=</c>); logs show the add
/// string with the secret redacted.
/// </summary>
public sealed class KrbdBackend : IMapBackend
{
    /// <summary>The production sysfs directory of the rbd bus.</summary>
    public const string DefaultBusRoot = "/sys/bus/rbd";

    private static readonly TimeSpan s_modprobeTimeout = TimeSpan.FromSeconds(30);
    private static int s_keyCounter;

    private readonly KrbdSysfs _sysfs;
    private readonly string _devRoot;
    private readonly IKernelKeyring _keyring;
    private readonly MapLog? _log;
    private readonly TimeSpan _deviceWait;
    private readonly ICommandRunner _runner;

    /// <summary>Creates the backend.</summary>
    /// <param name="busRoot">The rbd bus directory; tests pass a temporary directory shaped like it.</param>
    /// <param name="devRoot">Where device nodes live (<c>/dev</c>).</param>
    /// <param name="keyring">The kernel keyring; null for the real one.</param>
    /// <param name="log">Receives log lines (secret redacted); null for none.</param>
    /// <param name="deviceWait">How long to wait for the new device to appear after the add write (the kernel's is synchronous; default 5 s).</param>
    /// <param name="runner">Runs <c>modprobe</c> when the rbd module is not loaded; null for real processes.</param>
    public KrbdBackend(
        string busRoot = DefaultBusRoot,
        string devRoot = "/dev",
        IKernelKeyring? keyring = null,
        MapLog? log = null,
        TimeSpan? deviceWait = null,
        ICommandRunner? runner = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(busRoot);
        ArgumentException.ThrowIfNullOrEmpty(devRoot);
        _sysfs = new KrbdSysfs(busRoot);
        _devRoot = devRoot;
        _keyring = keyring ?? new LinuxKernelKeyring();
        _log = log;
        _deviceWait = deviceWait ?? TimeSpan.FromSeconds(5);
        _runner = runner ?? new ProcessCommandRunner();
    }

    /// <summary>
    /// How long an unmap refused with EBUSY is tried again while the device is not mounted:
    /// udev probes every new device (blkid, ceph-rbdnamer) right after the map, and a remove
    /// in that moment is refused. Milliseconds on a host; many seconds in an emulated guest
    /// on a busy machine, hence the generous default.
    /// </summary>
    public TimeSpan BusyUnmapWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// udev's database directory: an entry <c>b&lt;major&gt;:&lt;minor&gt;</c> appears once udev has
    /// processed a new device and goes once it has processed its removal. Missing (no udev,
    /// a container): nothing is waited for.
    /// </summary>
    public string UdevDataRoot { get; init; } = "/run/udev/data";

    /// <summary>
    /// How long a map waits for udev to finish with the new device, and an unmap for udev to
    /// finish with the removed one, as <c>rbd map</c> and <c>rbd unmap</c> do. systemd learns of
    /// devices from udev: a mount started before it has seen a device go and come back under
    /// the same name (a leftover unmapped, the image mapped again as the same /dev/rbdN) is
    /// stopped again when the stale removal arrives. Past this, a warning, not a failure.
    /// </summary>
    public TimeSpan UdevWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The mount table consulted before waiting out an EBUSY (a mounted device stays busy).</summary>
    public string MountsFile { get; init; } = "/proc/self/mounts";

    /// <summary>Writes a sysfs control file; tests replace it to play the kernel's refusals.</summary>
    internal Action<string, byte[]> ControlWriter { get; init; } = static (path, content) => KrbdSysfs.WriteControl(path, content);

    /// <inheritdoc/>
    public string Name => "krbd";

    /// <inheritdoc/>
    public bool SupportsExclusive => MapBackend.Krbd.HoldsLockExclusively();

    /// <inheritdoc/>
    public async Task<MappedDevice> MapAsync(MapRequest request, CancellationToken cancellationToken = default)
    {
        MapRequestChecks.Validate(request, this);
        await LoadModuleAsync(cancellationToken).ConfigureAwait(false);

        IReadOnlyList<string> monAddresses = request.MonAddresses.Count > 0
            ? request.MonAddresses
            : CephConf.ReadMonAddresses(request.ConfPath ?? CephConf.DefaultPath);
        string keyringPath = request.KeyringPath
            ?? CephConf.ResolveKeyring(request.ConfPath ?? CephConf.DefaultPath, request.ClientId)
            ?? throw new MapException($"no keyring found for client.{request.ClientId}; give the keyring path");
        string key = CephKeyring.ReadKey(keyringPath, request.ClientId);
        byte[] payload;
        try
        {
            payload = Convert.FromBase64String(key);
        }
        catch (FormatException e)
        {
            throw new MapException($"the key of client.{request.ClientId} in {keyringPath} is not valid base64", e);
        }

        var known = new HashSet<string>(_sysfs.Devices().Select(d => d.Id), StringComparer.Ordinal);
        string keyName = $"rbdfence.client.{request.ClientId}.{Environment.ProcessId}.{Interlocked.Increment(ref s_keyCounter)}";
        int serial = 0;
        byte[]? buffer = null;
        try
        {
            int error = _keyring.AddCephKey(keyName, payload, out serial);
            string add;
            if (error == 0)
            {
                add = KrbdAddCommand.Build(request, monAddresses, keyName, secret: null);
            }
            else if (error is Errno.ENODEV or Errno.ENOSYS)
            {
                // As `rbd map` does: a kernel without the ceph key type takes the secret inline.
                _log?.Invoke(MapLogLevel.Debug, $"kernel keyring has no 'ceph' key type (errno {error}); passing the secret in the add string");
                add = KrbdAddCommand.Build(request, monAddresses, kernelKeyName: null, secret: key);
            }
            else
            {
                throw new MapException($"cannot add the secret of client.{request.ClientId} to the kernel keyring (errno {error})");
            }

            _log?.Invoke(MapLogLevel.Information, $"krbd: mapping {request.Volume}: writing '{KrbdAddCommand.Redact(add)}' to {_sysfs.AddFile}");
            buffer = Encoding.UTF8.GetBytes(add);
            try
            {
                ControlWriter(_sysfs.AddFile, buffer);
            }
            catch (IOException e)
            {
                string hint = request.Exclusive
                    ? " (with 'exclusive', EROFS or 'peer will not release lock' in dmesg means another client owns the image's lock)"
                    : string.Empty;
                throw new MapException($"the kernel refused to map {request.Volume}: {e.Message}{hint}; see dmesg", e);
            }
        }
        finally
        {
            if (serial != 0)
            {
                // libceph copied the key when it parsed the options; don't leave it around.
                _keyring.Invalidate(serial);
            }

            CryptographicOperations.ZeroMemory(payload);
            if (buffer is not null)
            {
                CryptographicOperations.ZeroMemory(buffer);
            }
        }

        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            KrbdDeviceInfo? added = _sysfs.Devices().FirstOrDefault(d => !known.Contains(d.Id) && d.Volume == request.Volume);
            if (added is not null)
            {
                MappedDevice device = ToMapped(added, request.ReadOnly || request.Volume.Snapshot is not null);
                _log?.Invoke(MapLogLevel.Information, $"krbd: {request.Volume} mapped at {device.DevicePath}");
                await WaitForUdevAsync(device, _sysfs.DeviceNumber(added.Id), present: true, cancellationToken).ConfigureAwait(false);
                return device;
            }

            if (stopwatch.Elapsed > _deviceWait)
            {
                throw new MapException(
                    $"the kernel accepted the map of {request.Volume} but no new device for it appeared under {Path.Combine(_sysfs.BusRoot, "devices")} within {_deviceWait.TotalSeconds:0.#} s");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The kernel client of a mapped device: its entity (<c>client.4123</c>) and address
    /// (<c>10.0.0.9:0/12345</c>), from <c>/sys/bus/rbd/devices/&lt;id&gt;/client_id</c> and
    /// <c>client_addr</c>. This is the client that owns the image's managed lock (<c>rbd lock
    /// ls</c>) and keeps the watch on its header; null when the device is gone.
    /// </summary>
    public KrbdClient? ClientOf(MappedDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return _sysfs.Client(device.BackendId);
    }

    /// <inheritdoc/>
    public Task<MappedDevice?> FindMappedAsync(VolumeSpec volume, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (!_sysfs.Present)
        {
            return Task.FromResult<MappedDevice?>(null);
        }

        KrbdDeviceInfo? found = _sysfs.Devices().FirstOrDefault(d => d.Volume == volume);
        return Task.FromResult(found is null ? null : ToMapped(found, volume.Snapshot is not null));
    }

    /// <summary>All krbd devices currently mapped, whatever their image.</summary>
    public IReadOnlyList<MappedDevice> ListMapped() =>
        _sysfs.Present
            ? _sysfs.Devices().Select(d => ToMapped(d, d.Volume.Snapshot is not null)).ToList()
            : Array.Empty<MappedDevice>();

    /// <inheritdoc/>
    public Task UnmapAsync(MappedDevice device, CancellationToken cancellationToken = default) =>
        UnmapAsync(device, force: false, released: null, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>
    /// The kernel has released the image's lock (managed map) when its remove returns; udev
    /// may take a while longer to process the removal, more so in an emulated guest.
    /// </remarks>
    public Task UnmapAsync(MappedDevice device, Action? released, CancellationToken cancellationToken = default) =>
        UnmapAsync(device, force: false, released, cancellationToken);

    /// <inheritdoc/>
    public Task ForceUnmapAsync(MappedDevice device, CancellationToken cancellationToken = default) =>
        UnmapAsync(device, force: true, released: null, cancellationToken);

    /// <summary>
    /// Unmaps by writing the device id (with <c>force</c>: <c>"&lt;id&gt; force"</c>, which
    /// fails outstanding I/O instead of refusing a busy device) to <c>remove_single_major</c>.
    /// </summary>
    public Task UnmapAsync(MappedDevice device, bool force, CancellationToken cancellationToken = default) =>
        UnmapAsync(device, force, released: null, cancellationToken);

    private Task UnmapAsync(MappedDevice device, bool force, Action? released, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (!ulong.TryParse(device.BackendId, out _))
        {
            throw new ArgumentException($"'{device.BackendId}' is not a krbd device id", nameof(device));
        }

        RequireModule();
        return UnmapWithRetryAsync(device, force, released, cancellationToken);
    }

    private async Task UnmapWithRetryAsync(MappedDevice device, bool force, Action? released, CancellationToken cancellationToken)
    {
        string command = force ? device.BackendId + " force" : device.BackendId;
        string? number = _sysfs.DeviceNumber(device.BackendId);
        _log?.Invoke(MapLogLevel.Information, $"krbd: unmapping {device.DevicePath} ({device.Volume}): writing '{command}' to {_sysfs.RemoveFile}");
        var stopwatch = Stopwatch.StartNew();
        int refusals = 0;
        while (true)
        {
            try
            {
                ControlWriter(_sysfs.RemoveFile, Encoding.ASCII.GetBytes(command));
                if (refusals > 0)
                {
                    _log?.Invoke(MapLogLevel.Information, $"krbd: {device.DevicePath} unmapped after {refusals} EBUSY refusal(s) ({stopwatch.ElapsedMilliseconds} ms)");
                }

                break;
            }
            catch (IOException e) when (IsBusy(e) && stopwatch.Elapsed < BusyUnmapWait && MountPointOf(device.DevicePath) is null)
            {
                // Most likely udev (blkid) probing the device: after a map, and after the umount
                // (its last writer's close makes udev probe it again). It lets go in a moment,
                // and a hand-over waits for exactly this retry: try again soon.
                refusals++;
                await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                string? mountPoint = IsBusy(e) ? MountPointOf(device.DevicePath) : null;
                string why = !IsBusy(e) ? string.Empty
                    : mountPoint is not null ? $" (it is mounted at {mountPoint})"
                    : $" (still busy after {stopwatch.Elapsed.TotalSeconds:0.#} s: open by some process?)";
                throw new MapException(
                    $"the kernel refused to unmap {device.DevicePath} ({device.Volume}): {e.Message}{why}", e);
            }
        }

        released?.Invoke();
        await WaitForUdevAsync(device, number, present: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until udev's database has (<paramref name="present"/>) or no longer has the device; see <see cref="UdevWait"/>.</summary>
    private async Task WaitForUdevAsync(MappedDevice device, string? number, bool present, CancellationToken cancellationToken)
    {
        if (number is null || !Directory.Exists(UdevDataRoot))
        {
            return;
        }

        string entry = Path.Combine(UdevDataRoot, "b" + number);
        var stopwatch = Stopwatch.StartNew();
        while (File.Exists(entry) != present)
        {
            if (stopwatch.Elapsed > UdevWait)
            {
                _log?.Invoke(MapLogLevel.Warning, $"krbd: udev has not finished with {(present ? "the new" : "the removed")} {device.DevicePath} ({entry}) after {UdevWait.TotalSeconds:0.#} s; going on");
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken).ConfigureAwait(false);
        }
    }

    private string? MountPointOf(string devicePath)
    {
        try
        {
            foreach (string line in File.ReadLines(MountsFile))
            {
                string[] fields = line.Split(' ');
                if (fields.Length > 1 && fields[0] == devicePath)
                {
                    return MountTable.Unescape(fields[1]);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unknown: wait it out as if not mounted.
        }

        return null;
    }

    private static bool IsBusy(IOException e) =>
        e.HResult == Errno.EBUSY || e.Message.Contains("Device or resource busy", StringComparison.Ordinal);

    /// <summary>
    /// Loads the rbd module (<c>modprobe rbd single_major=Y</c>, as <c>rbd map</c> does) when
    /// its sysfs bus is missing: nothing else on a host loads it before the first map.
    /// </summary>
    private async Task LoadModuleAsync(CancellationToken cancellationToken)
    {
        if (_sysfs.Present)
        {
            return;
        }

        _log?.Invoke(MapLogLevel.Information, $"krbd: {_sysfs.BusRoot} is missing; loading the rbd module (modprobe rbd single_major=Y)");
        CommandOutput modprobe = await _runner.RunAsync("modprobe", ["rbd", "single_major=Y"], s_modprobeTimeout, cancellationToken).ConfigureAwait(false);
        if (!_sysfs.Present)
        {
            string why = modprobe.Succeeded ? "it succeeded but the bus did not appear" : $"it failed: {modprobe.Message}";
            throw new MapException(
                $"{_sysfs.BusRoot} does not exist and loading the rbd kernel module did not help ({why}); " +
                "this kernel may have no rbd module (use the nbd or fuse backend)");
        }
    }

    private MappedDevice ToMapped(KrbdDeviceInfo info, bool readOnly) =>
        new(info.Volume, Path.Combine(_devRoot, "rbd" + info.Id), Name, info.Id, readOnly);

    private void RequireModule()
    {
        if (!_sysfs.Present)
        {
            throw new MapException(
                $"{_sysfs.BusRoot} does not exist: the rbd kernel module is not loaded (modprobe rbd single_major=Y), " +
                "or this kernel has none (use the nbd or fuse backend)");
        }
    }
}
