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

    // Notifies sent and not yet completed, process-wide: a short-lived process (rbdfence
    // release) waits for them before it shuts librados down, or the waiters never hear.
    private static int s_pendingNotifies;

    private readonly IoContext _io;
    private readonly byte[] _oid;
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);
    private readonly ulong _ownInstanceId;
    private GCHandle _self;
    private ulong _cookie;
    private long _foreignNotifies;

    private HeaderWatch(IoContext io, string headerObject)
    {
        _io = io;
        _oid = Utf8.NulTerminated(headerObject);
        _ownInstanceId = io.Cluster.InstanceId;
    }

    /// <summary>How many notifies other clients have sent on the header since the watch started.</summary>
    public long ForeignNotifies => Volatile.Read(ref _foreignNotifies);

    /// <summary>Starts watching <paramref name="headerObject"/>.</summary>
    public static HeaderWatch Start(IoContext io, string headerObject)
    {
        var watch = new HeaderWatch(io, headerObject);
        watch._self = GCHandle.Alloc(watch);
        ulong cookie;
        int rc = LibRados.rados_watch2(io.Handle, watch._oid, &cookie,
            new rados_watchcb2_t(&OnNotify), new rados_watcherrcb_t(&OnError),
            (void*)GCHandle.ToIntPtr(watch._self));

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
    /// at once. Asynchronous: the releaser does not wait for the watchers' acknowledgements
    /// (a dead watcher would hold it up to the timeout); the completion cleans up after itself
    /// in native memory, so this allocates nothing on the managed heap.
    /// </summary>
    public static int NotifyHeaderUpdate(IoContext io, ReadOnlySpan<byte> headerObjectZ, TimeSpan timeout)
    {
        Interlocked.Increment(ref s_pendingNotifies);
        var state = (NotifyState*)NativeMemory.AllocZeroed((nuint)sizeof(NotifyState));
        int rc = LibRados.rados_aio_create_completion2(state, new rados_callback_t(&OnNotified), &state->Completion);
        if (rc < 0)
        {
            NativeMemory.Free(state);
            Interlocked.Decrement(ref s_pendingNotifies);
            return rc;
        }

        fixed (byte* oid = headerObjectZ)
        fixed (byte* message = HeaderUpdate)
        {
            // librados copies the object name and the payload before this returns.
            rc = LibRados.rados_aio_notify(io.Handle, oid, state->Completion, message, HeaderUpdate.Length,
                (ulong)timeout.TotalMilliseconds, &state->Reply, &state->ReplyLength);
        }

        if (rc < 0)
        {
            LibRados.rados_aio_release(state->Completion);
            NativeMemory.Free(state);
            Interlocked.Decrement(ref s_pendingNotifies);
        }

        return rc;
    }

    /// <summary>Waits (at most <paramref name="timeout"/>) until every notify this process sent has completed.</summary>
    public static void DrainNotifies(TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (Volatile.Read(ref s_pendingNotifies) > 0 && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(5);
        }
    }

    [UnmanagedCallersOnly]
    private static void OnNotified(rados_completion_t completion, void* arg)
    {
        // librados holds its own reference while this runs, so releasing here is safe.
        var state = (NotifyState*)arg;
        if (state->Reply != null)
        {
            LibRados.rados_buffer_free(state->Reply);
        }

        LibRados.rados_aio_release(completion);
        NativeMemory.Free(state);
        Interlocked.Decrement(ref s_pendingNotifies);
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
        LibRados.rados_notify_ack(watch._io.Handle, watch._oid, notifyId, handle, null, 0);

        // Our own notifies (a waiter announcing itself) must not wake ourselves.
        if (notifierId != watch._ownInstanceId)
        {
            Interlocked.Increment(ref watch._foreignNotifies);
            watch._signal.Release();
        }
    }

    [UnmanagedCallersOnly]
    private static void OnError(void* arg, ulong cookie, int err)
    {
        // The watch broke (e.g. a connection reset); the waiter's bounded backoff carries on,
        // and waking it now makes it look again at once.
        var watch = (HeaderWatch)GCHandle.FromIntPtr((nint)arg).Target!;
        watch._signal.Release();
    }

    private struct NotifyState
    {
        public rados_completion_t Completion;
        public byte* Reply;
        public nuint ReplyLength;
    }
}
