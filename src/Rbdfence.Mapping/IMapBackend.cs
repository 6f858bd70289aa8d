using System;
using System.Threading;
using System.Threading.Tasks;
using Rbdfence.Volumes;

namespace Rbdfence.Mapping;

/// <summary>
/// Maps an RBD image to a local block device, finds an existing mapping, and unmaps it.
/// Implementations: <see cref="KrbdBackend"/> (production default),
/// <see cref="NbdBackend"/>, <see cref="FuseLoopBackend"/> (advisory mode only).
/// </summary>
public interface IMapBackend
{
    /// <summary>The backend's name as used in rbdfencetab (<c>krbd</c>, <c>nbd</c>, <c>fuse</c>).</summary>
    string Name { get; }

    /// <summary>
    /// True when the data path can hold the image's managed exclusive lock without handing it
    /// over (needed for managed mode). <see cref="MapRequest.Exclusive"/> is refused otherwise.
    /// </summary>
    bool SupportsExclusive { get; }

    /// <summary>
    /// Maps the image. Always creates a new mapping: call <see cref="FindMappedAsync"/> first
    /// for idempotence. On failure nothing is left behind.
    /// </summary>
    /// <exception cref="ExclusiveNotSupportedException">Exclusive requested from a backend that cannot hold it.</exception>
    /// <exception cref="MapException">The map failed; the message says why (never contains a secret).</exception>
    Task<MappedDevice> MapAsync(MapRequest request, CancellationToken cancellationToken = default);

    /// <summary>The device currently serving <paramref name="volume"/> through this backend, or null.</summary>
    Task<MappedDevice?> FindMappedAsync(VolumeSpec volume, CancellationToken cancellationToken = default);

    /// <summary>Unmaps the device and removes whatever the backend set up for it.</summary>
    /// <exception cref="MapException">The unmap failed (e.g. the device is busy).</exception>
    Task UnmapAsync(MappedDevice device, CancellationToken cancellationToken = default) =>
        UnmapAsync(device, released: null, cancellationToken);

    /// <summary>
    /// Unmaps as <see cref="UnmapAsync(MappedDevice, CancellationToken)"/> does, and runs
    /// <paramref name="released"/> as soon as the data path has let go of the image (the
    /// device is gone and, for a managed map, its lock released), before waiting for udev to
    /// finish with the removal: a holder hands the image over without waiting on this host's
    /// device bookkeeping. Not run when the unmap fails; an exception it throws fails the unmap.
    /// </summary>
    /// <exception cref="MapException">The unmap failed (e.g. the device is busy).</exception>
    Task UnmapAsync(MappedDevice device, Action? released, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stops the data path for good even while the device is mounted or open: for a fenced
    /// holder, whose device must never write again (not even after its blocklist entry
    /// expires). Outstanding and later I/O on the device fails.
    /// </summary>
    Task ForceUnmapAsync(MappedDevice device, CancellationToken cancellationToken = default);
}
