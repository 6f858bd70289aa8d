// A small consumer of the Rbdfence.Interop package: connects to a cluster, creates an image,
// writes and reads a block, takes and releases an advisory lock, and removes the image.
// Usage: RbdLockSample CEPH_CONF POOL [CLIENT_ID]   (exit 0 when every step worked)
using System;
using System.Text;
using Rbdfence.Interop;

if (args.Length is < 2 or > 3)
{
    Console.Error.WriteLine("usage: RbdLockSample CEPH_CONF POOL [CLIENT_ID]");
    return 2;
}

try
{
    Sample.Run(args[0], args[1], args.Length == 3 ? args[2] : "admin");
    return 0;
}
catch (CephException e)
{
    Console.Error.WriteLine($"RbdLockSample: {e.Message}");
    return 1;
}

internal static unsafe class Sample
{
    // The bindings take C strings as NUL-terminated UTF-8 spans and refuse one without the NUL.
    private static byte[] Z(string s) => Encoding.UTF8.GetBytes(s + "\0");

    public static void Run(string conf, string pool, string id)
    {
        int major, minor, extra;
        LibRbd.rbd_version(&major, &minor, &extra);
        Console.WriteLine($"librbd {major}.{minor}.{extra}; bindings generated for librbd {LibRbd.LIBRBD_VER_MAJOR}.{LibRbd.LIBRBD_VER_MINOR}.{LibRbd.LIBRBD_VER_EXTRA}");

        rados_t cluster;
        CephErrors.Check(LibRados.rados_create2(&cluster, Z("ceph"), Z("client." + id), 0), "rados_create2");
        try
        {
            CephErrors.Check(LibRados.rados_conf_read_file(cluster, Z(conf)), "rados_conf_read_file " + conf);
            CephErrors.Check(LibRados.rados_connect(cluster), "rados_connect");
            rados_ioctx_t io;
            CephErrors.Check(LibRados.rados_ioctx_create(cluster, Z(pool), &io), "rados_ioctx_create " + pool);
            try
            {
                RoundTrip(io, $"rbdlocksample-{Environment.ProcessId}");
            }
            finally
            {
                LibRados.rados_ioctx_destroy(io);
            }
        }
        finally
        {
            LibRados.rados_shutdown(cluster);
        }
    }

    private static void RoundTrip(rados_ioctx_t io, string name)
    {
        int order = 0;
        // Layering only: with the exclusive-lock feature, librbd takes its own (managed) lock
        // on the first write, which the advisory lock below would block for ever.
        CephErrors.Check(LibRbd.rbd_create2(io, Z(name), 4UL << 20, LibRbd.RBD_FEATURE_LAYERING, &order), "rbd_create2 " + name);
        try
        {
            rbd_image_t image;
            CephErrors.Check(LibRbd.rbd_open(io, Z(name), &image, default), "rbd_open " + name);
            try
            {
                ulong size;
                CephErrors.Check(LibRbd.rbd_get_size(image, &size), "rbd_get_size");
                CephErrors.Check(LibRbd.rbd_lock_exclusive(image, Z("sample")), "rbd_lock_exclusive");
                byte[] block = new byte[4096];
                Encoding.ASCII.GetBytes("written through Rbdfence.Interop").CopyTo(block, 0);
                fixed (byte* p = block)
                {
                    CephErrors.Check(LibRbd.rbd_write(image, 0, (nuint)block.Length, p), "rbd_write");
                }

                byte[] back = new byte[block.Length];
                CephErrors.Check(LibRbd.rbd_read(image, 0, back), "rbd_read");
                if (!back.AsSpan().SequenceEqual(block))
                {
                    throw new CephException("rbd_read returned other bytes than rbd_write wrote");
                }

                CephErrors.Check(LibRbd.rbd_unlock(image, Z("sample")), "rbd_unlock");
                Console.WriteLine($"ok: {name}: {size >> 20} MiB image created, 4 KiB written and read back under an exclusive advisory lock, unlocked");
            }
            finally
            {
                LibRbd.rbd_close(image);
            }
        }
        finally
        {
            // Not thrown: it would hide the error that got us here.
            int removed = LibRbd.rbd_remove(io, Z(name));
            if (removed < 0)
            {
                Console.Error.WriteLine($"RbdLockSample: could not remove {name} (error {removed})");
            }
        }
    }
}
