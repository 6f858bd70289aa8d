using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Rbdfence.Interop;

namespace Rbdfence.Fencing.Ceph;

/// <summary>
/// A raw librados watch on an image's header object. Every notify on the header (librbd's
/// header updates, krbd's lock notifications, rbdfence's release notification) wakes a
/// waiter at once, instead of it finding out at its next poll.
/// </summary>
public sealed unsafe class HeaderWatch : IDisposable
{
    // librbd's NotifyMessage for NOTIFY_OP_HEADER_UPDATE (op 3), encoded as ENCODE_START(1, 1)
    // does: version, compat version, payload length, then the op. Sending librbd's own message
    // makes every kind of watcher (librbd, krbd, rbd-fuse) refresh instead of logging a
    // decode error, and wakes rbdfence's waiters.
    private static ReadOnlySpan<byte> HeaderUpdate => [1, 1, 4, 0, 0, 0, 3, 0, 0, 0];

    private readonly IoContext _io;
    private readonly byte[] _oid;
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);
    private GCHandle _self;
    private ulong _cookie;

    private HeaderWatch(IoContext io, string headerObject)
    {
        _io = io;
        _oid = Utf8.Z(headerObject);
    }

    /// <summary>Starts watching <paramref name="headerObject"/>.</summary>
    public static HeaderWatch Start(IoContext io, string headerObject)
    {
        var watch = new HeaderWatch(io, headerObject);
        watch._self = GCHandle.Alloc(watch);
        ulong cookie;
        int rc;
        fixed (byte* oid = watch._oid)
        {
            rc = LibRados.rados_watch2(io.Handle, oid, &cookie,
                new rados_watchcb2_t(&OnNotify), new rados_watcherrcb_t(&OnError),
                (void*)GCHandle.ToIntPtr(watch._self));
        }

        if (rc < 0)
        {
            watch._self.Free();
            throw new CephException($"cannot watch {headerObject}", -rc);
        }

        watch._cookie = cookie;
        return watch;
    }

    /// <summary>Waits until a notify arrives or <paramref name="timeout"/> passes; true when notified.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancel) => _signal.WaitAsync(timeout, cancel);

    /// <summary>
    /// Tells everyone watching the header that it changed (after an unlock), so waiters try
    /// at once. Waits for their acknowledgement at most <paramref name="timeout"/>.
    /// </summary>
    public static int NotifyHeaderUpdate(IoContext io, string headerObject, TimeSpan timeout)
    {
        byte* reply = null;
        nuint replyLength = 0;
        int rc;
        fixed (byte* oid = Utf8.Z(headerObject))
        fixed (byte* message = HeaderUpdate)
        {
            rc = LibRados.rados_notify2(io.Handle, oid, message, HeaderUpdate.Length, (ulong)timeout.TotalMilliseconds, &reply, &replyLength);
        }

        if (reply != null)
        {
            LibRados.rados_buffer_free(reply);
        }

        // A watcher that did not answer in time (a dead holder) is not the releaser's problem.
        return rc == -Errno.ETIMEDOUT ? 0 : rc;
    }

    public void Dispose()
    {
        if (_self.IsAllocated)
        {
            LibRados.rados_unwatch2(_io.Handle, _cookie);
            // No callback may be running on a freed handle.
            LibRados.rados_watch_flush(_io.Cluster.Handle);
            _self.Free();
        }

        _signal.Dispose();
    }

    [UnmanagedCallersOnly]
    private static void OnNotify(void* arg, ulong notifyId, ulong handle, ulong notifierId, void* data, nuint dataLength)
    {
        var watch = (HeaderWatch)GCHandle.FromIntPtr((nint)arg).Target!;
        fixed (byte* oid = watch._oid)
        {
            LibRados.rados_notify_ack(watch._io.Handle, oid, notifyId, handle, null, 0);
        }

        watch._signal.Release();
    }

    [UnmanagedCallersOnly]
    private static void OnError(void* arg, ulong cookie, int err)
    {
        // The watch broke (e.g. a connection reset); the waiter's bounded backoff carries on,
        // and waking it now makes it look again at once.
        var watch = (HeaderWatch)GCHandle.FromIntPtr((nint)arg).Target!;
        watch._signal.Release();
    }
}
