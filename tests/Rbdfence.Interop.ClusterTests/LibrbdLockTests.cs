using System;
using System.IO;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;
using static Rbdfence.Interop.ClusterTests.RadosSession;

namespace Rbdfence.Interop.ClusterTests;

/// <summary>
/// The generated bindings against a real cluster, with nothing but them in this process:
/// advisory and managed locks, lockers, owners, watchers and image metadata, checked
/// against a second client in another process and against Ceph's own <c>rbd</c> CLI.
/// </summary>
[Collection(CephClusterFixture.Collection)]
public sealed class LibrbdLockTests(CephClusterFixture fixture)
{
    private const ulong Layering = 1UL;

    private static readonly string Probe = FindProbe();

    [Fact]
    public async Task Advisory_lock_is_listed_by_librbd_and_rbd_cli_and_refuses_a_second_client()
    {
        string name = Unique("adv");
        using var session = new RadosSession(fixture.ConfPath);
        rbd_image_t image = session.CreateAndOpen(name, LibRbd.RBD_FEATURE_LAYERING);
        try
        {
            Assert.Equal(0, LibRbd.rbd_lock_exclusive(image, Z("itest-cookie")));

            (int exclusive, string[] clients, string[] cookies, string[] addrs) = ListLockers(image);
            Assert.Equal(1, exclusive);
            Assert.Equal(["itest-cookie"], cookies);
            Assert.Equal($"client.{LibRados.rados_get_instance_id(session.Cluster)}", Assert.Single(clients));
            Assert.Contains(":", Assert.Single(addrs), StringComparison.Ordinal);

            CommandResult ls = (await fixture.RbdAsync("lock", "ls", "rbd/" + name)).EnsureSuccess();
            Assert.Contains("itest-cookie", ls.StdOut, StringComparison.Ordinal);
            Assert.Contains(clients[0], ls.StdOut, StringComparison.Ordinal);

            Assert.Equal("-16", await ProbeLockAsync(name, "other-cookie")); // -EBUSY from another process

            Assert.Equal(0, LibRbd.rbd_unlock(image, Z("itest-cookie")));
            Assert.Empty(ListLockers(image).Cookies);
            Assert.Equal("0", await ProbeLockAsync(name, "other-cookie"));
        }
        finally
        {
            LibRbd.rbd_close(image);
        }
    }

    [Fact]
    public async Task Managed_lock_acquire_reports_the_owner_and_release_frees_it()
    {
        string name = Unique("managed");
        using var session = new RadosSession(fixture.ConfPath);
        rbd_image_t image = session.CreateAndOpen(name, Layering | LibRbd.RBD_FEATURE_EXCLUSIVE_LOCK);
        try
        {
            Assert.Equal(0, LibRbd.rbd_lock_acquire(image, rbd_lock_mode_t.RBD_LOCK_MODE_EXCLUSIVE));
            Assert.True(IsExclusiveLockOwner(image));

            (rbd_lock_mode_t mode, string[] owners) = GetOwners(image);
            Assert.Equal(rbd_lock_mode_t.RBD_LOCK_MODE_EXCLUSIVE, mode);
            string owner = Assert.Single(owners);
            // librbd names the owner by its address: this very client's.
            Assert.Contains(owner, ClientAddress(session.Cluster), StringComparison.Ordinal);

            // The managed lock is the same header lock rbd lock ls lists (librbd's "auto" cookie).
            CommandResult ls = (await fixture.RbdAsync("lock", "ls", "rbd/" + name)).EnsureSuccess();
            Assert.Contains(owner, ls.StdOut, StringComparison.Ordinal);
            Assert.Contains($"client.{LibRados.rados_get_instance_id(session.Cluster)}", ls.StdOut, StringComparison.Ordinal);
            Assert.Contains("auto ", ls.StdOut, StringComparison.Ordinal);
            Assert.Equal("-16", await ProbeLockAsync(name, "other-cookie"));

            Assert.Equal(0, LibRbd.rbd_lock_release(image));
            Assert.False(IsExclusiveLockOwner(image));
            Assert.Empty(GetOwners(image).Owners);
        }
        finally
        {
            LibRbd.rbd_close(image);
        }
    }

    [Fact]
    public unsafe void An_open_image_is_watched_by_its_own_client()
    {
        string name = Unique("watch");
        using var session = new RadosSession(fixture.ConfPath);
        rbd_image_t image = session.CreateAndOpen(name, LibRbd.RBD_FEATURE_LAYERING);
        try
        {
            var watchers = new rbd_image_watcher_t[8];
            nuint count = (nuint)watchers.Length;
            fixed (rbd_image_watcher_t* w = watchers)
            {
                Assert.Equal(0, LibRbd.rbd_watchers_list(image, w, &count));
                try
                {
                    Assert.Equal(1UL, count);
                    Assert.Equal((long)LibRados.rados_get_instance_id(session.Cluster), w[0].id);
                    string addr = new string((sbyte*)w[0].addr);
                    Assert.Contains("127.0.0.1", addr, StringComparison.Ordinal);
                }
                finally
                {
                    LibRbd.rbd_watchers_list_cleanup(w, count);
                }
            }
        }
        finally
        {
            LibRbd.rbd_close(image);
        }
    }

    [Fact]
    public async Task Image_metadata_round_trips_and_is_visible_to_rbd_cli()
    {
        string name = Unique("meta");
        using var session = new RadosSession(fixture.ConfPath);
        rbd_image_t image = session.CreateAndOpen(name, LibRbd.RBD_FEATURE_LAYERING);
        try
        {
            Assert.Equal(0, LibRbd.rbd_metadata_set(image, Z("rbdfence.holder"), Z("host-a since 2026")));

            // Too small: librbd says how much it needs.
            (int rc, string? _, nuint needed) = MetadataGet(image, "rbdfence.holder", 4);
            Assert.Equal(-34, rc);
            (rc, string? value, _) = MetadataGet(image, "rbdfence.holder", (int)needed);
            Assert.Equal(0, rc);
            Assert.Equal("host-a since 2026", value);
            Assert.Equal(-2, MetadataGet(image, "no.such.key", 64).Rc);

            CommandResult cli = (await fixture.RbdAsync("image-meta", "get", "rbd/" + name, "rbdfence.holder")).EnsureSuccess();
            Assert.Equal("host-a since 2026", cli.StdOut.Trim());
        }
        finally
        {
            LibRbd.rbd_close(image);
        }
    }

    private static unsafe string ClientAddress(rados_t cluster)
    {
        byte* addrs;
        Assert.Equal(0, LibRados.rados_getaddrs(cluster, &addrs));
        string result = new((sbyte*)addrs);
        LibRados.rados_buffer_free(addrs);
        return result;
    }

    private static unsafe bool IsExclusiveLockOwner(rbd_image_t image)
    {
        int isOwner;
        Assert.Equal(0, LibRbd.rbd_is_exclusive_lock_owner(image, &isOwner));
        return isOwner != 0;
    }

    private static unsafe (int Rc, string? Value, nuint Needed) MetadataGet(rbd_image_t image, string key, int capacity)
    {
        byte[] value = new byte[capacity];
        nuint length = (nuint)capacity;
        int rc;
        fixed (byte* k = Z(key))
        fixed (byte* v = value)
        {
            rc = LibRbd.rbd_metadata_get(image, k, v, &length);
        }

        return (rc, rc == 0 ? SplitNul(value)[0] : null, length);
    }

    private static unsafe (int Exclusive, string[] Clients, string[] Cookies, string[] Addrs) ListLockers(rbd_image_t image)
    {
        byte[] tag = new byte[256], clients = new byte[1024], cookies = new byte[1024], addrs = new byte[1024];
        nuint tagLen = (nuint)tag.Length, clientsLen = (nuint)clients.Length, cookiesLen = (nuint)cookies.Length, addrsLen = (nuint)addrs.Length;
        int exclusive;
        nint n;
        fixed (byte* t = tag)
        fixed (byte* cl = clients)
        fixed (byte* co = cookies)
        fixed (byte* a = addrs)
        {
            n = LibRbd.rbd_list_lockers(image, &exclusive, t, &tagLen, cl, &clientsLen, co, &cookiesLen, a, &addrsLen);
        }

        Assert.True(n >= 0, $"rbd_list_lockers returned {n}");
        string[] cookieList = n == 0 ? [] : SplitNul(cookies.AsSpan(0, (int)cookiesLen));
        Assert.Equal((int)n, cookieList.Length);
        return (exclusive, n == 0 ? [] : SplitNul(clients.AsSpan(0, (int)clientsLen)), cookieList, n == 0 ? [] : SplitNul(addrs.AsSpan(0, (int)addrsLen)));
    }

    private static unsafe (rbd_lock_mode_t Mode, string[] Owners) GetOwners(rbd_image_t image)
    {
        rbd_lock_mode_t mode;
        byte** owners = stackalloc byte*[4];
        nuint count = 4;
        int rc = LibRbd.rbd_lock_get_owners(image, &mode, owners, &count);
        if (rc == -2)
        {
            return (mode, []); // ENOENT: nobody owns it
        }

        Assert.Equal(0, rc);
        string[] result = new string[(int)count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = new string((sbyte*)owners[i]);
        }

        LibRbd.rbd_lock_get_owners_cleanup(owners, count);
        return (mode, result);
    }

    /// <summary>Tries rbd_lock_exclusive from another process; returns what it returned.</summary>
    private async Task<string> ProbeLockAsync(string image, string cookie)
    {
        CommandResult probe = (await fixture.RunAsync("dotnet", [Probe, "lock", fixture.ConfPath, "rbd", image, cookie])).EnsureSuccess();
        return probe.StdOut.Trim();
    }

    private static string Unique(string prefix) => $"itest-{prefix}-{Guid.NewGuid():N}"[..24];

    private static string FindProbe() => BuiltOutput.Find("tests/Rbdfence.Interop.Probe", "Rbdfence.Interop.Probe.dll");
}
