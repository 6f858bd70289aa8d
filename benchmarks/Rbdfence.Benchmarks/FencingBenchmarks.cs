using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using BenchmarkDotNet.Attributes;
using Rbdfence.Fencing;
using Rbdfence.Fencing.Ceph;
using Rbdfence.Interop;
using Rbdfence.Volumes;

namespace Rbdfence.Benchmarks;

/// <summary>
/// One lock+unlock cycle of the advisory lock on an image's header object, six ways, in one
/// class so that BenchmarkDotNet prints every ratio against the raw cls_lock floor.
/// Each benchmark has its own setup: only its own clients are connected while it runs.
/// </summary>
[MemoryDiagnoser]
public unsafe class FencingBenchmarks
{
    private const string RawCookie = "rbdfence-bench-raw";
    private const string LibrbdCookie = "rbdfence-bench-librbd";
    private const string CliCookie = "rbdfence-bench-cli";

    private static ReadOnlySpan<byte> LockClass => "lock\0"u8;

    private static ReadOnlySpan<byte> LockMethod => "lock\0"u8;

    private static ReadOnlySpan<byte> UnlockMethod => "unlock\0"u8;

    private static ReadOnlySpan<byte> LockName => "rbd_lock\0"u8;

    private static ReadOnlySpan<byte> Empty => "\0"u8;

    private VolumeSpec _spec = null!;
    private string _headerObject = null!;

    // Raw librados (RawClsLockViaExec, RadosLockExclusive).
    private RawRados? _raw;
    private byte[] _headerZ = null!;
    private byte[] _lockOp = null!;
    private byte[] _unlockOp = null!;
    private byte[] _rawCookieZ = null!;
    private readonly byte[] _execOut = new byte[64];

    // rbdfence (RbdfenceAcquireRelease, HolderGuardCheck, RbdCliLockAddRm's locker lookup).
    private RadosCluster? _cluster;
    private FencedVolume? _volume;
    private IoContext? _guardIo;
    private HolderGuard? _guard;
    private HeaderLock? _headerLock;
    private readonly LockerList _lockers = new();

    // librbd (LibrbdLockExclusive).
    private rbd_image_t _image;
    private byte[] _librbdCookieZ = null!;

    private void Common()
    {
        _spec = BenchEnvironment.Image;
        using RadosCluster cluster = RadosCluster.Connect(new CephClientOptions { Conf = BenchEnvironment.CephConf });
        using IoContext io = cluster.OpenPool(_spec.Pool, _spec.Namespace);
        using RbdImage image = RbdImage.Open(io, _spec.Image, readOnly: true);
        if (image.HasExclusiveLock)
        {
            throw new InvalidOperationException($"{_spec} has the exclusive-lock feature: the benchmarks need an advisory-mode image (create it with --image-feature layering)");
        }

        _headerObject = "rbd_header." + image.Id;
    }

    [GlobalSetup(Targets = [nameof(RawClsLockViaExec), nameof(RadosLockExclusive), nameof(RawStatHeader)])]
    public void SetupRaw()
    {
        Common();
        _raw = new RawRados(BenchEnvironment.CephConf, _spec.Pool, _spec.Namespace);
        _headerZ = RawRados.Z(_headerObject);
        _lockOp = ClsLockOps.Lock("rbd_lock", ClsLockOps.LockExclusive, RawCookie, tag: "", description: "", flags: 0);
        _unlockOp = ClsLockOps.Unlock("rbd_lock", RawCookie);
        _rawCookieZ = RawRados.Z(RawCookie);
    }

    [GlobalSetup(Target = nameof(HeaderLockWithoutNotify))]
    public void SetupHeaderLock()
    {
        SetupRbdfence();
        _guardIo = _cluster!.OpenPool(_spec.Pool, _spec.Namespace);
        _headerLock = new HeaderLock(_guardIo, _headerObject);
        _rawCookieZ = RawRados.Z(_volume!.Cookie);
    }

    [GlobalSetup(Target = nameof(RbdfenceAcquireRelease))]
    public void SetupRbdfence()
    {
        Common();
        _cluster = RadosCluster.Connect(new CephClientOptions { Conf = BenchEnvironment.CephConf });
        _volume = FencedVolume.Open(_cluster, _spec, BenchEnvironment.Host, new FenceOptions { Mode = LockMode.Advisory });
        // As rbdfence hold runs it: wake-ups only when a waiter has announced itself.
        _volume.WatchForWaiters();
    }

    [GlobalSetup(Target = nameof(HolderGuardCheck))]
    public void SetupGuard()
    {
        SetupRbdfence();
        AcquireResult result = _volume!.TryAcquire();
        if (result.Status != AcquireStatus.Acquired)
        {
            throw new InvalidOperationException($"cannot take the lock for the holder check: {result.Status}");
        }

        _guardIo = _cluster!.OpenPool(_spec.Pool, _spec.Namespace);
        _guard = new HolderGuard(new HeaderLock(_guardIo, _volume.HeaderObject), _volume.CurrentLease!);
        if (_guard.Check() != GuardVerdict.Held)
        {
            throw new InvalidOperationException("the holder check does not see its own lock");
        }
    }

    [GlobalSetup(Target = nameof(LibrbdLockExclusive))]
    public void SetupLibrbd()
    {
        Common();
        _raw = new RawRados(BenchEnvironment.CephConf, _spec.Pool, _spec.Namespace);
        rbd_image_t image;
        fixed (byte* name = RawRados.Z(_spec.Image))
        {
            // Read-write, as a holder would open it (and as the spec's 3.5 ms was measured).
            RawRados.Check(LibRbd.rbd_open(_raw.Io, name, &image, null), "rbd_open");
        }

        _image = image;
        _librbdCookieZ = RawRados.Z(LibrbdCookie);
    }

    [GlobalSetup(Target = nameof(RbdCliLockAddRm))]
    public void SetupCli()
    {
        Common();
        _cluster = RadosCluster.Connect(new CephClientOptions { Conf = BenchEnvironment.CephConf });
        _guardIo = _cluster.OpenPool(_spec.Pool, _spec.Namespace);
        _headerLock = new HeaderLock(_guardIo, _headerObject);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_guard is not null)
        {
            _volume!.Release();
            _guard = null;
        }

        if (!_image.IsNull)
        {
            LibRbd.rbd_close(_image);
            _image = default;
        }

        _volume?.Dispose();
        _volume = null;
        _guardIo?.Dispose();
        _guardIo = null;
        _cluster?.Dispose();
        _cluster = null;
        _raw?.Dispose();
        _raw = null;
    }

    /// <summary>The floor: cls_lock's lock and unlock methods called directly, pre-encoded ops.</summary>
    [Benchmark(Baseline = true)]
    public int RawClsLockViaExec()
    {
        rados_ioctx_t io = _raw!.Io;
        fixed (byte* oid = _headerZ)
        fixed (byte* cls = LockClass)
        fixed (byte* lockMethod = LockMethod)
        fixed (byte* unlockMethod = UnlockMethod)
        fixed (byte* lockOp = _lockOp)
        fixed (byte* unlockOp = _unlockOp)
        fixed (byte* output = _execOut)
        {
            int rc = LibRados.rados_exec(io, oid, cls, lockMethod, lockOp, (nuint)_lockOp.Length, output, (nuint)_execOut.Length);
            if (rc != 0)
            {
                Fail("rados_exec lock.lock", rc);
            }

            rc = LibRados.rados_exec(io, oid, cls, unlockMethod, unlockOp, (nuint)_unlockOp.Length, output, (nuint)_execOut.Length);
            if (rc != 0)
            {
                Fail("rados_exec lock.unlock", rc);
            }

            return rc;
        }
    }

    /// <summary>
    /// One raw RADOS op on the header (<c>rados_stat</c>): the floor for the holder's check,
    /// which is also one op (<c>lock.get_info</c>).
    /// </summary>
    [Benchmark]
    public int RawStatHeader()
    {
        ulong size;
        long mtime;
        fixed (byte* oid = _headerZ)
        {
            int rc = LibRados.rados_stat(_raw!.Io, oid, &size, &mtime);
            if (rc != 0)
            {
                Fail("rados_stat", rc);
            }

            return rc;
        }
    }

    /// <summary>librados' own wrappers of the same two cls_lock calls.</summary>
    [Benchmark]
    public int RadosLockExclusive()
    {
        rados_ioctx_t io = _raw!.Io;
        fixed (byte* oid = _headerZ)
        fixed (byte* name = LockName)
        fixed (byte* cookie = _rawCookieZ)
        fixed (byte* desc = Empty)
        {
            int rc = LibRados.rados_lock_exclusive(io, oid, name, cookie, desc, null, 0);
            if (rc != 0)
            {
                Fail("rados_lock_exclusive", rc);
            }

            rc = LibRados.rados_unlock(io, oid, name, cookie);
            if (rc != 0)
            {
                Fail("rados_unlock", rc);
            }

            return rc;
        }
    }

    /// <summary>rbdfence's cycle: FencedVolume.TryAcquire() + Release() (which also notifies the header's watchers).</summary>
    [Benchmark]
    public bool RbdfenceAcquireRelease()
    {
        AcquireResult result = _volume!.TryAcquire();
        if (result.Status != AcquireStatus.Acquired)
        {
            Fail("TryAcquire", (int)result.Status);
        }

        return _volume.Release();
    }

    /// <summary>
    /// Diagnostic: rbdfence's own HeaderLock lock + unlock, i.e. RbdfenceAcquireRelease without
    /// the header-update notify that Release() sends to wake waiters.
    /// </summary>
    [Benchmark]
    public int HeaderLockWithoutNotify()
    {
        int rc = _headerLock!.TryLockExclusive(_rawCookieZ);
        if (rc != 0)
        {
            Fail("HeaderLock.TryLockExclusive", rc);
        }

        rc = _headerLock.Unlock(_rawCookieZ);
        if (rc != 0)
        {
            Fail("HeaderLock.Unlock", rc);
        }

        return rc;
    }

    /// <summary>The holder's periodic check while it holds the lock.</summary>
    [Benchmark]
    public GuardVerdict HolderGuardCheck()
    {
        GuardVerdict verdict = _guard!.Check();
        if (verdict != GuardVerdict.Held)
        {
            Fail("HolderGuard.Check", (int)verdict);
        }

        return verdict;
    }

    /// <summary>The same advisory lock through librbd (refresh, lock, notify).</summary>
    [Benchmark]
    public int LibrbdLockExclusive()
    {
        fixed (byte* cookie = _librbdCookieZ)
        {
            int rc = LibRbd.rbd_lock_exclusive(_image, cookie);
            if (rc != 0)
            {
                Fail("rbd_lock_exclusive", rc);
            }

            rc = LibRbd.rbd_unlock(_image, cookie);
            if (rc != 0)
            {
                Fail("rbd_unlock", rc);
            }

            return rc;
        }
    }

    /// <summary>
    /// What the Kubernetes in-tree plugin exec'd: <c>rbd lock add</c>, then <c>rbd lock rm</c>. The
    /// locker id (<c>client.N</c>) that <c>lock rm</c> needs is read in-process (one
    /// rados_list_lockers, ~0.2 ms) instead of a third <c>rbd lock ls</c> process as kubelet did.
    /// </summary>
    [Benchmark]
    public int RbdCliLockAddRm()
    {
        string spec = _spec.ToString();
        Rbd($"lock add {spec} {CliCookie}");
        int count = _headerLock!.ListLockers(_lockers);
        if (count != 1)
        {
            Fail("rados_list_lockers after rbd lock add", count);
        }

        string client = Encoding.UTF8.GetString(_lockers[0].Client);
        Rbd($"lock rm {spec} {CliCookie} {client}");
        return count;
    }

    private static void Rbd(string arguments)
    {
        var psi = new ProcessStartInfo("rbd", arguments)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(psi)!;
        string stderr = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"rbd {arguments}: exit {process.ExitCode}: {stderr.Trim()}");
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Fail(string what, int rc) => throw new InvalidOperationException($"{what} returned {rc}");
}
