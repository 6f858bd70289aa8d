using Rbdfence.Volumes;

namespace Rbdfence.Mapping;

/// <summary>A block device serving an image.</summary>
/// <param name="Volume">The image it serves.</param>
/// <param name="DevicePath">The block device, e.g. <c>/dev/rbd0</c>, <c>/dev/nbd0</c>, <c>/dev/loop3</c>.</param>
/// <param name="Backend">The backend's name (<see cref="IMapBackend.Name"/>).</param>
/// <param name="BackendId">
/// The backend's handle for unmapping: the krbd device id (<c>0</c> for rbd0), the nbd
/// device path, or the rbd-fuse mount directory for the fuse+loop backend.
/// </param>
/// <param name="ReadOnly">True when the device is read-only, as far as the backend can tell.</param>
public sealed record MappedDevice(VolumeSpec Volume, string DevicePath, string Backend, string BackendId, bool ReadOnly);
