using System;
using System.Threading;
using System.Threading.Tasks;
using Rbdfence.Fencing;
using Rbdfence.Holding;
using Rbdfence.Mapping;

namespace Rbdfence.Cli;

/// <summary>The holder's data path through one of the map backends.</summary>
internal sealed class MappedDataPath(IMapBackend backend, MapRequest request) : IDataPath
{
    private MappedDevice? _device;

    public static MappedDataPath For(string backendName, FencedVolume volume, string clientId, string? keyring, string? conf, bool readOnly)
    {
        IMapBackend backend = backendName switch
        {
            "krbd" => new KrbdBackend(),
            "nbd" => new NbdBackend(),
            "fuse" => new FuseLoopBackend(),
            _ => throw new UnsafeCombinationException($"unknown backend '{backendName}': krbd, nbd or fuse"),
        };
        bool exclusive = volume.Mode == LockMode.Managed;
        if (exclusive && !backend.SupportsExclusive)
        {
            throw new UnsafeCombinationException(
                $"{volume.Spec} is in managed mode, but the {backend.Name} backend cannot hold the managed lock exclusively " +
                "(another host's writer could take it over); use --backend krbd or nbd, or an image without exclusive-lock in advisory mode");
        }

        var request = new MapRequest(new VolumeRef(volume.Spec.Pool, volume.Spec.Namespace, volume.Spec.Image))
        {
            ReadOnly = readOnly,
            Exclusive = exclusive,
            ClientId = clientId,
            KeyringPath = keyring,
            ConfPath = conf ?? Environment.GetEnvironmentVariable("CEPH_CONF"),
        };

        // A name the backend cannot pass on (a space, ',', '=') is refused now, before the
        // lock is taken, not by the backend after it (ArgumentException: a usage error).
        request.Volume.Validate();
        return new MappedDataPath(backend, request);
    }

    public async Task<string> AttachAsync(CancellationToken cancel)
    {
        // A device left by an earlier holder of this boot (a crash) is reused, not doubled.
        _device = await backend.FindMappedAsync(request.Volume, cancel).ConfigureAwait(false)
            ?? await backend.MapAsync(request, cancel).ConfigureAwait(false);
        return _device.DevicePath;
    }

    /// <summary>Unmaps whatever device of this volume the backend finds; null when there was none.</summary>
    public async Task<string?> DetachExistingAsync(CancellationToken cancel)
    {
        _device ??= await backend.FindMappedAsync(request.Volume, cancel).ConfigureAwait(false);
        string? path = _device?.DevicePath;
        await DetachAsync(cancel).ConfigureAwait(false);
        return path;
    }

    public async Task DetachAsync(CancellationToken cancel)
    {
        if (_device is not null)
        {
            await backend.UnmapAsync(_device, cancel).ConfigureAwait(false);
            _device = null;
        }
    }
}
