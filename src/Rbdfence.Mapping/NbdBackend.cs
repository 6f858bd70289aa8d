using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Rbdfence.Volumes;

namespace Rbdfence.Mapping;

/// <summary>
/// Ceph's <c>rbd-nbd</c>: a user-space librbd process serving the image through the
/// kernel's nbd driver. <c>--exclusive</c> makes it take the managed lock and never hand it
/// over, so it serves managed mode. Secrets stay in the keyring file (only its path is
/// passed).
/// </summary>
public sealed class NbdBackend : IMapBackend
{
    private readonly ICommandRunner _runner;
    private readonly MapLog? _log;
    private readonly string _program;
    private readonly TimeSpan _timeout;

    /// <summary>Creates the backend.</summary>
    /// <param name="runner">Runs rbd-nbd; null for real processes.</param>
    /// <param name="log">Receives log lines; null for none.</param>
    /// <param name="program">The rbd-nbd executable.</param>
    /// <param name="timeout">Limit for one rbd-nbd invocation; default 60 s.</param>
    public NbdBackend(ICommandRunner? runner = null, MapLog? log = null, string program = "rbd-nbd", TimeSpan? timeout = null)
    {
        _runner = runner ?? new ProcessCommandRunner();
        _log = log;
        _program = program;
        _timeout = timeout ?? TimeSpan.FromSeconds(60);
    }

    /// <inheritdoc/>
    public string Name => "nbd";

    /// <inheritdoc/>
    public bool SupportsExclusive => MapBackend.Nbd.HoldsLockExclusively();

    /// <summary>The arguments of <c>rbd-nbd map</c> for <paramref name="request"/>.</summary>
    public static IReadOnlyList<string> BuildMapArguments(MapRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var arguments = new List<string> { "map", request.Volume.ToString() };
        if (request.Exclusive)
        {
            arguments.Add("--exclusive");
        }

        if (request.ReadOnly)
        {
            arguments.Add("--read-only");
        }

        request.AddClientArguments(arguments);
        return arguments;
    }

    /// <inheritdoc/>
    public async Task<MappedDevice> MapAsync(MapRequest request, CancellationToken cancellationToken = default)
    {
        MapRequestChecks.Validate(request, this);
        IReadOnlyList<string> arguments = BuildMapArguments(request);
        _log?.Invoke(MapLogLevel.Information, $"nbd: {_program} {string.Join(' ', arguments)}");
        CommandOutput output = await _runner.RunAsync(_program, arguments, _timeout, cancellationToken).ConfigureAwait(false);
        string device = output.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .LastOrDefault(line => line.StartsWith("/dev/nbd", StringComparison.Ordinal)) ?? string.Empty;
        if (!output.Succeeded || device.Length == 0)
        {
            string why = output.TimedOut
                ? $"it did not finish within {_timeout.TotalSeconds:0.#} s"
                : $"exit {output.ExitCode}: {output.Message}";
            string hint = output.Message.Contains("module", StringComparison.OrdinalIgnoreCase)
                || output.Message.Contains("/dev/nbd", StringComparison.Ordinal)
                ? " (is the nbd kernel module available? modprobe nbd)"
                : string.Empty;
            throw new MapException($"rbd-nbd could not map {request.Volume}: {why}{hint}");
        }

        await SettleUdevAsync(device, cancellationToken).ConfigureAwait(false);
        _log?.Invoke(MapLogLevel.Information, $"nbd: {request.Volume} mapped at {device}");
        return new MappedDevice(request.Volume, device, Name, device, request.ReadOnly || request.Volume.Snapshot is not null);
    }

    /// <inheritdoc/>
    public async Task<MappedDevice?> FindMappedAsync(VolumeSpec volume, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(volume);
        CommandOutput output = await _runner.RunAsync(_program, ["list-mapped", "--format", "json"], _timeout, cancellationToken).ConfigureAwait(false);
        if (!output.Succeeded)
        {
            throw new MapException($"rbd-nbd list-mapped failed: exit {output.ExitCode}: {output.Message}");
        }

        return ParseListMapped(output.StdOut).FirstOrDefault(d => d.Volume == volume);
    }

    /// <inheritdoc/>
    public Task UnmapAsync(MappedDevice device, CancellationToken cancellationToken = default) =>
        UnmapAsync(device, released: null, cancellationToken);

    /// <inheritdoc/>
    public async Task UnmapAsync(MappedDevice device, Action? released, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (!device.DevicePath.StartsWith("/dev/nbd", StringComparison.Ordinal))
        {
            throw new ArgumentException($"{device.DevicePath} is not an nbd device", nameof(device));
        }

        _log?.Invoke(MapLogLevel.Information, $"nbd: unmapping {device.DevicePath} ({device.Volume})");
        CommandOutput output = await _runner.RunAsync(_program, ["unmap", device.DevicePath], _timeout, cancellationToken).ConfigureAwait(false);
        if (!output.Succeeded)
        {
            throw new MapException($"rbd-nbd could not unmap {device.DevicePath} ({device.Volume}): exit {output.ExitCode}: {output.Message}");
        }

        released?.Invoke();
        await SettleUdevAsync(device.DevicePath, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until udev has handled the device's events, as the krbd backend does: a map
    /// reported before then has systemd mount a device udev is still probing (that time then
    /// shows after the holder's READY=1), and a late event of an unmap can reach systemd after
    /// the same /dev/nbdN was mapped and mounted again, and stop that mount (seen with krbd in
    /// the VM tier). /dev/nbdN exists before and after a map, so there is no udev database
    /// entry to wait for: <c>udevadm settle</c>. Without udev (a container) or past its limit,
    /// a warning, not a failure.
    /// </summary>
    private async Task SettleUdevAsync(string device, CancellationToken cancellationToken)
    {
        CommandOutput settled = await _runner.RunAsync("udevadm", ["settle", "--timeout=30"], TimeSpan.FromSeconds(35), cancellationToken).ConfigureAwait(false);
        if (!settled.Succeeded)
        {
            _log?.Invoke(MapLogLevel.Warning, $"nbd: udev did not settle after {device} changed (exit {settled.ExitCode}: {settled.Message}); going on");
        }
    }

    /// <summary>The rbd-nbd processes serving <paramref name="volume"/> (found by their command line, no process started).</summary>
    public static List<int> ServingProcesses(VolumeSpec volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        string spec = volume.ToString();
        return LinuxProcesses.Find("rbd-nbd", argv => argv.Contains(spec, StringComparer.Ordinal));
    }

    /// <inheritdoc/>
    public async Task ForceUnmapAsync(MappedDevice device, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);

        // The rbd-nbd process is the only client: once it is gone, every request on the
        // device fails. Its pid is in sysfs for as long as the device is connected.
        string pidFile = $"/sys/block/{System.IO.Path.GetFileName(device.DevicePath)}/pid";
        if (System.IO.File.Exists(pidFile) && int.TryParse(System.IO.File.ReadAllText(pidFile).Trim(), out int pid))
        {
            LinuxProcesses.Signal(pid, LinuxProcesses.SIGKILL);
            _log?.Invoke(MapLogLevel.Warning, $"nbd: killed rbd-nbd (pid {pid}) serving {device.DevicePath}");
        }

        CommandOutput output = await _runner.RunAsync(_program, ["unmap", device.DevicePath], _timeout, cancellationToken).ConfigureAwait(false);
        if (!output.Succeeded)
        {
            _log?.Invoke(MapLogLevel.Warning, $"nbd: unmap of {device.DevicePath} after the kill: exit {output.ExitCode}: {output.Message}");
        }
    }

    /// <summary>The devices in <c>rbd-nbd list-mapped --format json</c> output.</summary>
    internal static IReadOnlyList<MappedDevice> ParseListMapped(string json)
    {
        var result = new List<MappedDevice>();
        if (string.IsNullOrWhiteSpace(json))
        {
            return result;
        }

        using JsonDocument document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            return result;
        }

        foreach (JsonElement entry in document.RootElement.EnumerateArray())
        {
            string? pool = Text(entry, "pool");
            string? image = Text(entry, "image");
            string? device = Text(entry, "device");
            if (pool is null || image is null || device is null)
            {
                continue;
            }

            string? snap = Text(entry, "snap");
            if (snap is null or "-" or "")
            {
                snap = null;
            }

            var volume = new VolumeSpec(pool, Text(entry, "namespace") ?? string.Empty, image, snap);
            result.Add(new MappedDevice(volume, device, "nbd", device, snap is not null));
        }

        return result;
    }

    private static string? Text(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
