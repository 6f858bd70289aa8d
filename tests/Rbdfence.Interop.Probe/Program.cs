using System;
using System.Text;
using System.Threading;
using Rbdfence.Interop;

// A second Ceph client in its own process (and, in the multi-host tests, its own network
// namespace), through the generated bindings only.
//
//   probe lock CONF POOL IMAGE COOKIE
//       tries rbd_lock_exclusive with COOKIE and prints the raw return value (0, or a
//       negative errno: -16 is EBUSY); a lock it gets is released before it exits.
//   probe hold CONF POOL IMAGE SECONDS
//       opens IMAGE read-write (librbd registers a watch on its header: the liveness a
//       holder shows) and keeps it open for SECONDS, printing "open" once it is.
//   probe write-loop CONF POOL OBJECT MARKER SECONDS
//       writes "MARKER-<n>" at offset 0 of OBJECT every 100 ms for SECONDS, printing
//       "<n> <rc>" per write: a client that keeps writing after its host is fenced.
return args switch
{
    ["lock", var conf, var pool, var image, var cookie] => Probe.Lock(conf, pool, image, cookie),
    ["hold", var conf, var pool, var image, var seconds] => Probe.Hold(conf, pool, image, int.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture)),
    ["write-loop", var conf, var pool, var oid, var marker, var seconds] => Probe.WriteLoop(conf, pool, oid, marker, int.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: probe lock CONF POOL IMAGE COOKIE | probe hold CONF POOL IMAGE SECONDS | probe write-loop CONF POOL OBJECT MARKER SECONDS");
    return 2;
}

internal static unsafe class Probe
{
    public static int Lock(string conf, string pool, string image, string cookie)
    {
        (rados_t cluster, rados_ioctx_t io) = Connect(conf, pool);
        rbd_image_t img;
        Check(LibRbd.rbd_open(io, Z(image), &img, ReadOnlySpan<byte>.Empty), "rbd_open");
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

    public static int Hold(string conf, string pool, string image, int seconds)
    {
        (rados_t cluster, rados_ioctx_t io) = Connect(conf, pool);
        rbd_image_t img;
        Check(LibRbd.rbd_open(io, Z(image), &img, ReadOnlySpan<byte>.Empty), "rbd_open");
        Console.WriteLine("open");
        Console.Out.Flush();
        Thread.Sleep(seconds * 1000);
        LibRbd.rbd_close(img);
        LibRados.rados_ioctx_destroy(io);
        LibRados.rados_shutdown(cluster);
        return 0;
    }

    public static int WriteLoop(string conf, string pool, string oid, string marker, int seconds)
    {
        (rados_t cluster, rados_ioctx_t io) = Connect(conf, pool);
        // A blocklisted client's op can stall until the OSD map reaches it; the loop's own
        // clock bounds the run, and ops time out rather than hang.
        long end = Environment.TickCount64 + seconds * 1000L;
        for (int n = 0; Environment.TickCount64 < end; n++)
        {
            byte[] data = Encoding.ASCII.GetBytes($"{marker}-{n:D6}");
            int rc = LibRados.rados_write(io, Z(oid), data, 0);

            Console.WriteLine($"{n} {rc}");
            Console.Out.Flush();
            Thread.Sleep(100);
        }

        LibRados.rados_ioctx_destroy(io);
        LibRados.rados_shutdown(cluster);
        return 0;
    }

    private static (rados_t, rados_ioctx_t) Connect(string conf, string pool)
    {
        rados_t cluster;
        rados_ioctx_t io;
        Check(LibRados.rados_create2(&cluster, Z("ceph"), Z("client.admin"), 0), "rados_create2");
        Check(LibRados.rados_conf_read_file(cluster, Z(conf)), "rados_conf_read_file");
        Check(LibRados.rados_conf_set(cluster, Z("rados_osd_op_timeout"), Z("5")), "rados_conf_set");
        Check(LibRados.rados_connect(cluster), "rados_connect");
        Check(LibRados.rados_ioctx_create(cluster, Z(pool), &io), "rados_ioctx_create");
        return (cluster, io);
    }

    private static byte[] Z(string s) => Encoding.UTF8.GetBytes(s + "\0");

    private static void Check(int rc, string what)
    {
        if (rc < 0)
        {
            Console.Error.WriteLine($"probe: {what} failed: {rc}");
            Environment.Exit(1);
        }
    }
}
