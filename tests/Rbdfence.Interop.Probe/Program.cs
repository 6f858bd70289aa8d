using System;
using System.Text;
using Rbdfence.Interop;

// Usage: lock-probe CONF POOL IMAGE COOKIE
// Opens the image as a separate librados client and tries rbd_lock_exclusive with COOKIE,
// printing the raw return value (0, or a negative errno such as -16 for EBUSY). Takes
// nothing else: a lock it gets is released before it exits.
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: lock-probe CONF POOL IMAGE COOKIE");
    return 2;
}

return Probe.Run(args[0], args[1], args[2], args[3]);

internal static unsafe class Probe
{
    public static int Run(string conf, string pool, string image, string cookie)
    {
        rados_t cluster;
        rados_ioctx_t io;
        rbd_image_t img;
        Check(LibRados.rados_create2(&cluster, Z("ceph"), Z("client.admin"), 0), "rados_create2");
        Check(LibRados.rados_conf_read_file(cluster, Z(conf)), "rados_conf_read_file");
        Check(LibRados.rados_connect(cluster), "rados_connect");
        Check(LibRados.rados_ioctx_create(cluster, Z(pool), &io), "rados_ioctx_create");
        Check(LibRbd.rbd_open(io, Z(image), &img, null), "rbd_open");
        int rc = LibRbd.rbd_lock_exclusive(img, Z(cookie));
        Console.WriteLine(rc);
        if (rc == 0)
        {
            LibRbd.rbd_unlock(img, Z(cookie));
        }

        LibRbd.rbd_close(img);
        LibRados.rados_ioctx_destroy(io);
        LibRados.rados_shutdown(cluster);
        return 0;
    }

    // The probe is short-lived: leaking a few pinned strings is simpler than freeing them.
    private static byte* Z(string s)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(s + "\0");
        return (byte*)System.Runtime.InteropServices.GCHandle.Alloc(bytes, System.Runtime.InteropServices.GCHandleType.Pinned).AddrOfPinnedObject();
    }

    private static void Check(int rc, string what)
    {
        if (rc < 0)
        {
            Console.Error.WriteLine($"lock-probe: {what} failed: {rc}");
            Environment.Exit(1);
        }
    }
}
