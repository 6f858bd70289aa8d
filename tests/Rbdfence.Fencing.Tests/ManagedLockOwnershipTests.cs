using System.Text;
using Rbdfence.Fencing.Ceph;
using Xunit;

namespace Rbdfence.Fencing.Tests;

/// <summary>
/// A managed lock (krbd or librbd with exclusive-lock) is its client's, entity and address,
/// whatever its cookie: the kernel sets a new <c>auto &lt;watch handle&gt;</c> cookie when it
/// registers its watch again after a stall (issue 9, seen in a qemu guest thawed after the
/// watch timeout: the holder called its own lock broken, unmapped a healthy volume and
/// started over). Advisory locks keep the exact cookie rule.
/// </summary>
public sealed class ManagedLockOwnershipTests
{
    private static readonly Lease Kernel = new("auto 18446462598732840961", "client.4131", "10.77.0.21:0/2162389071");

    [Fact]
    public void A_managed_lock_re_cookied_by_its_own_client_is_still_the_lease()
    {
        Assert.True(Kernel.Matches(new LockerInfo("client.4131", "auto 18446462598732840977", "10.77.0.21:0/2162389071")));
        Assert.True(Kernel.Matches(new LockerInfo("client.4131", Kernel.Cookie, Kernel.Address)));
    }

    [Fact]
    public void Another_client_with_the_kernels_cookie_is_not_the_lease()
    {
        // Every host's kernel may use the same cookie; the client decides.
        Assert.False(Kernel.Matches(new LockerInfo("client.4200", Kernel.Cookie, "10.77.0.22:0/99")));
        Assert.False(Kernel.Matches(new LockerInfo("client.4131", Kernel.Cookie, "10.77.0.21:0/99")));
        Assert.False(Kernel.Matches(new LockerInfo("client.4131", "rbdfence:1:m:b:1:h", Kernel.Address)));
    }

    [Fact]
    public void An_advisory_lease_still_needs_its_exact_cookie()
    {
        var advisory = new Lease("rbdfence:1:m:b:1700000000:host-a", "client.4121", "10.77.0.2:0/123");
        Assert.False(advisory.Matches(new LockerInfo("client.4121", "rbdfence:1:m:b:1700000001:host-a", "10.77.0.2:0/123")));
        Assert.False(advisory.Matches(new LockerInfo("client.4121", "auto 1", "10.77.0.2:0/123")));
    }

    [Fact]
    public void The_guards_listing_finds_the_client_whatever_its_managed_cookie()
    {
        LockerList list = Listing(("client.4131", "auto 18446462598732840977", "10.77.0.21:0/2162389071"));
        Assert.True(list.HasClient("client.4131"u8, "10.77.0.21:0/2162389071"u8, "auto "u8));
        Assert.False(list.HasClient("client.4131"u8, "10.77.0.21:0/1"u8, "auto "u8));
        Assert.False(list.HasClient("client.4132"u8, "10.77.0.21:0/2162389071"u8, "auto "u8));
        Assert.False(Listing(("client.4131", "rbdfence:1:x", "10.77.0.21:0/2162389071")).HasClient("client.4131"u8, "10.77.0.21:0/2162389071"u8, "auto "u8));
    }

    [Theory]
    [InlineData("v1:10.77.0.21:0/2162389071")]
    [InlineData("[v2:10.77.0.21:0/2162389071,v1:10.77.0.21:0/2162389071]")]
    [InlineData("10.77.0.21:0/2162389071")]
    public void The_guard_compares_addresses_as_leases_keep_them(string printed)
    {
        // Ceph prints a locker's address with its messenger prefix; a lease keeps it
        // normalised (the first run of the managed guard compared the two raw and called
        // every kernel lock "not ours after mapping").
        LockerList list = Listing(("client.4131", "auto 1", printed));
        Assert.True(list.HasClient("client.4131"u8, "10.77.0.21:0/2162389071"u8, "auto "u8));
        Assert.False(list.HasClient("client.4131"u8, "10.77.0.21:0/216238907"u8, "auto "u8));
    }

    /// <summary>A listing as <c>rbd_list_lockers</c> fills it: NUL-separated strings.</summary>
    private static LockerList Listing(params (string Client, string Cookie, string Address)[] lockers)
    {
        var list = new LockerList();
        byte[] Join(System.Func<(string Client, string Cookie, string Address), string> field)
        {
            var text = new StringBuilder();
            foreach (var locker in lockers)
            {
                text.Append(field(locker)).Append('\0');
            }

            return Encoding.UTF8.GetBytes(text.ToString());
        }

        byte[] clients = Join(l => l.Client), cookies = Join(l => l.Cookie), addrs = Join(l => l.Address);
        clients.CopyTo(list.Clients, 0);
        cookies.CopyTo(list.Cookies, 0);
        addrs.CopyTo(list.Addrs, 0);
        list.ClientsLength = (nuint)clients.Length;
        list.CookiesLength = (nuint)cookies.Length;
        list.AddrsLength = (nuint)addrs.Length;
        list.Count = lockers.Length;
        return list;
    }
}
