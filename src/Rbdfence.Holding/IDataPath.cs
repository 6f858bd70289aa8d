using System;
using System.Threading;
using System.Threading.Tasks;

namespace Rbdfence.Holding;

/// <summary>
/// How the holder makes the image a block device (krbd, rbd-nbd, rbd-fuse + loop) and takes
/// it away again. The holder only needs these two steps; the backends live in Rbdfence.Mapping.
/// </summary>
public interface IDataPath
{
    /// <summary>Maps the image and returns the block device path (e.g. <c>/dev/loop3</c>).</summary>
    Task<string> AttachAsync(CancellationToken cancel);

    /// <summary>
    /// Unmaps it; nothing of it may be left behind. <paramref name="released"/> runs as soon as
    /// the image is let go (device gone, a managed lock released), before the host's device
    /// bookkeeping (udev) has caught up, so that waiting hosts are woken without that delay.
    /// </summary>
    Task DetachAsync(Action? released, CancellationToken cancel);

    /// <summary>
    /// Stops the data path for good although it may be mounted or busy (the lock was lost):
    /// detaches the mounts of the device lazily and force-unmaps, so that no write can go
    /// through it again.
    /// </summary>
    Task KillAsync(CancellationToken cancel);
}
