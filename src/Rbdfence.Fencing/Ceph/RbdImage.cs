using System;
using System.Runtime.InteropServices;
using Rbdfence.Interop;
using Rbdfence.Linux;

namespace Rbdfence.Fencing.Ceph;

/// <summary>
/// An open image (<c>rbd_image_t</c>). Opened read-write it registers a watch on the header
/// object: that watch is the liveness beacon other hosts look for.
/// </summary>
public sealed unsafe class RbdImage : IDisposable
{
    /// <summary>RBD_FEATURE_EXCLUSIVE_LOCK.</summary>
    public const ulong ExclusiveLockFeature = 1UL << 2;

    private rbd_image_t _handle;
    private rbd_image_watcher_t[] _watchers = new rbd_image_watcher_t[16];

    private RbdImage(rbd_image_t handle, string name)
    {
        _handle = handle;
        Name = name;
    }

    public string Name { get; }

    internal rbd_image_t Handle => _handle.IsNull ? throw new ObjectDisposedException(nameof(RbdImage)) : _handle;

    /// <summary>Opens <paramref name="name"/>; <paramref name="readOnly"/> opens register no watch.</summary>
    public static RbdImage Open(IoContext io, string name, bool readOnly)
    {
        rbd_image_t handle;
        byte[] n = Utf8.NulTerminated(name);
        int rc = readOnly
            ? LibRbd.rbd_open_read_only(io.Handle, n, &handle, default)
            : LibRbd.rbd_open(io.Handle, n, &handle, default);
        CephErrors.Check(rc, $"cannot open image {name}");

        return new RbdImage(handle, name);
    }

    /// <summary>The image id: its header object is <c>rbd_header.&lt;id&gt;</c>.</summary>
    public string Id
    {
        get
        {
            Span<byte> id = stackalloc byte[128];
            CephErrors.Check(LibRbd.rbd_get_id(Handle, id), $"cannot read the image id {Name}");

            return Utf8.Decode(id);
        }
    }

    public ulong Features
    {
        get
        {
            ulong features;
            CephErrors.Check(LibRbd.rbd_get_features(Handle, &features), $"cannot read image features {Name}");
            return features;
        }
    }

    public bool HasExclusiveLock => (Features & ExclusiveLockFeature) != 0;

    /// <summary>
    /// Calls <paramref name="visit"/> with each watcher's address. The addresses are C strings
    /// owned by librbd until the listing is cleaned up, so they are only lent to the visitor.
    /// </summary>
    public int VisitWatchers<TState>(ref TState state, WatcherVisitor<TState> visit)
        where TState : allows ref struct
    {
        while (true)
        {
            nuint count = (nuint)_watchers.Length;
            fixed (rbd_image_watcher_t* w = _watchers)
            {
                int rc = LibRbd.rbd_watchers_list(Handle, w, &count);
                if (rc == -Errno.ERANGE)
                {
                    _watchers = new rbd_image_watcher_t[(int)count * 2];
                    continue;
                }

                if (rc < 0)
                {
                    return rc;
                }

                try
                {
                    for (nuint i = 0; i < count; i++)
                    {
                        visit(ref state, MemoryMarshal.CreateReadOnlySpanFromNullTerminated(w[i].addr), w[i].id, w[i].cookie);
                    }
                }
                finally
                {
                    LibRbd.rbd_watchers_list_cleanup(w, count);
                }

                return (int)count;
            }
        }
    }

    public void Dispose()
    {
        if (!_handle.IsNull)
        {
            LibRbd.rbd_close(_handle);
            _handle = default;
        }
    }
}

/// <summary>Receives one watcher of an image: its address (UTF-8), client id and watch cookie.</summary>
public delegate void WatcherVisitor<TState>(ref TState state, ReadOnlySpan<byte> address, long clientId, ulong cookie)
    where TState : allows ref struct;
