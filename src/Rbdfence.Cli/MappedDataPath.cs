using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Rbdfence.Fencing;
using Rbdfence.Holding;
using Rbdfence.Mapping;
using Rbdfence.Volumes;

namespace Rbdfence.Cli;

/// <summary>The holder's data path through one of the map backends.</summary>
internal sealed class MappedDataPath(IMapBackend backend, MapRequest request) : IDataPath
{
    private MappedDevice? _device;

    // Under the state directory, so that two identities on one machine (containers, the
    // test hosts) never share an rbd-fuse mount point, and the processes and loop devices
    // found through it are this identity's own.
    private static string FuseRoot => Path.Combine(Lease.StateDirectory, "fuse");

    public static MappedDataPath For(string backendName, FencedVolume volume, string clientId, string? keyring, string? conf, bool readOnly, MapLog log) =>
        For(backendName, volume.Spec, volume.Mode, clientId, keyring, conf, readOnly, log);

    /// <param name="mode">The mode in force (auto resolved): managed maps exclusively.</param>
    public static MappedDataPath For(string backendName, VolumeSpec spec, LockMode mode, string clientId, string? keyring, string? conf, bool readOnly, MapLog log)
    {
        if (!OptionNames.TryParse(backendName, out MapBackend kind))
        {
            throw new UnsafeCombinationException($"unknown backend '{backendName}': {OptionNames.Choices<MapBackend>()}");
        }

        IMapBackend backend = kind switch
        {
            MapBackend.Krbd => new KrbdBackend(log: log),
            MapBackend.Nbd => new NbdBackend(log: log),
            _ => new FuseLoopBackend(FuseRoot, log: log),
        };
        var request = new MapRequest(spec with { Snapshot = null })
        {
            ReadOnly = readOnly,
            Exclusive = mode == LockMode.Managed,
            ClientId = clientId,
            KeyringPath = keyring,
            ConfPath = conf ?? Environment.GetEnvironmentVariable("CEPH_CONF"),
        };

        // The backend's own checks, now, before the lock is taken rather than after it: a
        // name it cannot pass on (a space, ',', '='; ArgumentException, a usage error), and
        // managed mode on a backend that cannot hold the managed lock (unsafe, refused).
        try
        {
            MapRequestChecks.Validate(request, backend);
        }
        catch (ExclusiveNotSupportedException e)
        {
            throw new UnsafeCombinationException(e.Message);
        }

        return new MappedDataPath(backend, request);
    }

    public async Task<string> AttachAsync(CancellationToken cancel)
    {
        // A device left by an earlier holder (a crash) is never reused: its data path may be
        // dead (a killed rbd-fuse) or fenced. It is taken away first; if it cannot be (still
        // mounted), the start fails and systemd retries, the lock kept meanwhile.
        if (await backend.FindMappedAsync(request.Volume, cancel).ConfigureAwait(false) is { } leftover)
        {
            try
            {
                await backend.UnmapAsync(leftover, cancel).ConfigureAwait(false);
            }
            catch (MapException e)
            {
                throw new MapException($"{leftover.DevicePath}, left mapped by an earlier holder of {request.Volume}, cannot be unmapped: {e.Message}", e);
            }
        }

        _device = await backend.MapAsync(request, cancel).ConfigureAwait(false);
        return _device.DevicePath;
    }

    public async Task KillAsync(CancellationToken cancel)
    {
        if (_device is not null)
        {
            await MountTable.DetachMountsOfAsync(_device.DevicePath, cancel).ConfigureAwait(false);
            await backend.ForceUnmapAsync(_device, cancel).ConfigureAwait(false);
            _device = null;
        }
    }

    /// <summary>
    /// What still serves <paramref name="spec"/> on this host, through any backend (a krbd
    /// device, an rbd-nbd or rbd-fuse process, a loop device on rbd-fuse's file), or null when
    /// nothing does: the proof that this host can no longer write the image.
    /// </summary>
    public static async Task<string?> FindAnyAsync(VolumeSpec spec, CancellationToken cancel)
    {
        VolumeSpec volume = spec with { Snapshot = null };
        if (await new KrbdBackend().FindMappedAsync(volume, cancel).ConfigureAwait(false) is { } krbd)
        {
            return $"{krbd.DevicePath} (krbd)";
        }

        if (NbdBackend.ServingProcesses(volume) is [var nbd, ..])
        {
            return $"rbd-nbd (pid {nbd})";
        }

        var fuse = new FuseLoopBackend(FuseRoot);
        if (await fuse.FindMappedAsync(volume, cancel).ConfigureAwait(false) is { } loop)
        {
            return $"{loop.DevicePath} (rbd-fuse + loop)";
        }

        return fuse.ServingProcesses(volume) is [var pid, ..] ? $"rbd-fuse (pid {pid})" : null;
    }

    /// <summary>Unmaps whatever device of this volume the backend finds; null when there was none.</summary>
    public async Task<string?> DetachExistingAsync(CancellationToken cancel)
    {
        _device ??= await backend.FindMappedAsync(request.Volume, cancel).ConfigureAwait(false);
        string? path = _device?.DevicePath;
        await DetachAsync(released: null, cancel).ConfigureAwait(false);
        return path;
    }

    public async Task DetachAsync(Action? released, CancellationToken cancel)
    {
        if (_device is not null)
        {
            await backend.UnmapAsync(_device, released, cancel).ConfigureAwait(false);
            _device = null;
        }
        else
        {
            released?.Invoke();
        }
    }
}
