using System;
using System.Diagnostics;
using Rbdfence.Fencing;
using Rbdfence.Fencing.Ceph;
using Rbdfence.Interop;
using Rbdfence.Volumes;

namespace Rbdfence.Benchmarks;

/// <summary>
/// Before benchmarking: the hand-encoded cls_lock_lock_op must really take librbd's advisory
/// lock (rc 0, and Ceph's own <c>rbd lock ls</c> shows it), and cls_lock_unlock_op must drop it.
/// </summary>
internal static unsafe class SanityCheck
{
    private const string Cookie = "rbdfence-bench-sanity";

    public static int Run()
    {
        VolumeSpec spec = BenchEnvironment.Image;
        string header;
        using (RadosCluster cluster = RadosCluster.Connect(new CephClientOptions { Conf = BenchEnvironment.CephConf }))
        using (IoContext io = cluster.OpenPool(spec.Pool, spec.Namespace))
        using (RbdImage image = RbdImage.Open(io, spec.Image, readOnly: true))
        {
            header = "rbd_header." + image.Id;
        }

        using var raw = new RawRados(BenchEnvironment.CephConf, spec.Pool, spec.Namespace);
        byte[] lockOp = ClsLockOps.Lock("rbd_lock", ClsLockOps.LockExclusive, Cookie, "", "", 0);
        byte[] unlockOp = ClsLockOps.Unlock("rbd_lock", Cookie);
        Console.WriteLine($"cls_lock_lock_op   ({lockOp.Length} B): {Convert.ToHexString(lockOp)}");
        Console.WriteLine($"cls_lock_unlock_op ({unlockOp.Length} B): {Convert.ToHexString(unlockOp)}");
        ulong instance = LibRados.rados_get_instance_id(raw.Cluster);

        int rc = Exec(raw, header, "lock", lockOp);
        Console.WriteLine($"rados_exec({header}, lock, lock) = {rc}");
        if (rc != 0)
        {
            return 1;
        }

        string during = RbdLockLs(spec);
        Console.WriteLine($"rbd lock ls {spec} (mid-cycle):\n{during}");
        bool shown = during.Contains(Cookie, StringComparison.Ordinal) && during.Contains($"client.{instance}", StringComparison.Ordinal);

        rc = Exec(raw, header, "unlock", unlockOp);
        Console.WriteLine($"rados_exec({header}, lock, unlock) = {rc}");
        string after = RbdLockLs(spec);
        bool gone = !after.Contains(Cookie, StringComparison.Ordinal);
        Console.WriteLine($"rbd lock ls {spec} (after): {(after.Trim().Length == 0 ? "(none)" : after)}");

        bool ok = rc == 0 && shown && gone;
        Console.WriteLine(ok
            ? $"sanity: OK (lock shown as client.{instance} {Cookie}, released)"
            : $"sanity: FAILED (shown={shown}, released={gone}, rc={rc})");
        return ok ? 0 : 1;
    }

    private static int Exec(RawRados raw, string header, string method, byte[] input)
    {
        byte[] output = new byte[64];
        fixed (byte* oid = RawRados.Z(header))
        fixed (byte* cls = RawRados.Z("lock"))
        fixed (byte* m = RawRados.Z(method))
        fixed (byte* i = input)
        fixed (byte* o = output)
        {
            return LibRados.rados_exec(raw.Io, oid, cls, m, i, (nuint)input.Length, o, (nuint)output.Length);
        }
    }

    private static string RbdLockLs(VolumeSpec spec)
    {
        var psi = new ProcessStartInfo("rbd", $"lock ls {spec}") { UseShellExecute = false, RedirectStandardOutput = true };
        using Process p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }
}
