using System;
using System.Collections.Generic;
using Rbdfence.Volumes;
using Xunit;

namespace Rbdfence.Fencing.Tests;

/// <summary>
/// The one rule (<see cref="LockDecision.Decide"/>), row by row: every way issue reports and
/// reviews found for two hosts to both believe they hold, for a dead holder to look live, for
/// a live one to look dead, or for a fence to hit a client that does not do the I/O.
/// </summary>
public sealed class LockDecisionTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(45);
    private static readonly HostIdentity Me = new("host-a", new string('a', 32), new string('1', 32));
    private static readonly HostIdentity Clone = Me with { HostName = "host-a" }; // same machine-id and boot-id
    private static readonly HostIdentity MyEarlierBoot = Me with { BootId = new string('0', 32) };
    private static readonly HostIdentity Peer = new("host-b", new string('b', 32), new string('2', 32));

    private const string MyAddress = "10.77.0.11:0/1111";
    private const string PeerLocker = "10.77.0.12:0/2222";
    private const string PeerHolder = "10.77.0.12:0/2323";
    private const string PeerFuse = "10.77.0.12:0/2424";
    private const string NatNeighbour = "10.77.0.12:0/9999";

    private static string CookieOf(HostIdentity host) => HolderCookie.For(host, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000)).ToString();

    private static LockerInfo Locker(HostIdentity host, string client = "client.4200", string address = PeerLocker) => new(client, CookieOf(host), address);

    private static HolderRecord RecordOf(LockerInfo locker, params string[] clients) =>
        new(locker.Cookie, locker.Client, "host-b", Peer.MachineId, Peer.BootId, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), clients);

    private static LockObservation Look(LockerInfo? locker, string[] watchers, Lease? lease = null, HolderRecord? record = null, TimeSpan silentFor = default, LockMode mode = LockMode.Advisory) => new()
    {
        Mode = mode,
        Lockers = locker is null ? [] : [locker],
        Watchers = watchers,
        Lease = lease,
        Record = record,
        Host = Me,
        OwnAddress = MyAddress,
        SilentFor = silentFor,
        Grace = Grace,
    };

    [Fact]
    public void No_locker_is_free() =>
        Assert.Equal(LockVerdict.Free, LockDecision.Decide(Look(null, [PeerHolder])).Verdict);

    [Fact]
    public void A_lock_is_ours_only_when_the_lease_names_its_cookie_client_and_address()
    {
        LockerInfo mine = Locker(Me, "client.4100", "10.77.0.11:0/3333");
        var lease = new Lease(mine.Cookie, mine.Client, mine.Address);
        Assert.Equal(LockVerdict.Ours, LockDecision.Decide(Look(mine, [], lease)).Verdict);

        // The same cookie from another client (a clone sharing machine-id and boot-id) is not ours.
        LockerInfo clones = mine with { Client = "client.4999", Address = "10.77.0.13:0/4444" };
        Assert.NotEqual(LockVerdict.Ours, LockDecision.Decide(Look(clones, [clones.Address], lease)).Verdict);
        Assert.NotEqual(LockVerdict.Ours, LockDecision.Decide(Look(clones, [], lease)).Verdict);
    }

    [Fact]
    public void A_clones_lock_without_our_lease_is_never_ours_even_with_our_machine_and_boot_id()
    {
        LockerInfo clones = Locker(Clone, "client.4999", "10.77.0.13:0/4444");
        LockDecision d = LockDecision.Decide(Look(clones, [clones.Address]));
        Assert.Equal(LockVerdict.Live, d.Verdict);
    }

    [Fact]
    public void Two_kubelet_cookies_of_one_hostname_are_told_apart_by_the_lease()
    {
        string cookie = HolderCookie.Kubelet("node-1").ToString();
        var theirs = new LockerInfo("client.5000", cookie, PeerLocker);
        var myLease = new Lease(cookie, "client.5001", MyAddress);
        Assert.Equal(LockVerdict.Live, LockDecision.Decide(Look(theirs, [PeerLocker], myLease)).Verdict);
    }

    [Fact]
    public void With_a_record_liveness_is_the_recorded_clients_not_any_client_of_the_ip()
    {
        LockerInfo locker = Locker(Peer);
        HolderRecord record = RecordOf(locker, PeerHolder, PeerFuse);

        // Behind one NAT address: a neighbour's watch does not keep a dead holder alive.
        Assert.Equal(LockVerdict.Silent, LockDecision.Decide(Look(locker, [NatNeighbour], record: record)).Verdict);

        // The data path's watch alone (the holder process was killed, the device is still
        // mapped and could write): live, so nobody takes the volume.
        Assert.Equal(LockVerdict.Live, LockDecision.Decide(Look(locker, [PeerFuse], record: record)).Verdict);
    }

    [Fact]
    public void Fencing_a_recorded_holder_blocklists_exactly_its_clients()
    {
        LockerInfo locker = Locker(Peer);
        LockDecision d = LockDecision.Decide(Look(locker, [NatNeighbour], record: RecordOf(locker, PeerHolder, PeerFuse), silentFor: Grace));
        Assert.Equal(LockVerdict.Stale, d.Verdict);
        Assert.Equal([PeerLocker, PeerHolder, PeerFuse], d.FenceTargets);
        Assert.DoesNotContain("10.77.0.12:0/0", d.FenceTargets);
    }

    [Fact]
    public void A_record_of_another_lock_counts_for_nothing()
    {
        LockerInfo locker = Locker(Peer);
        HolderRecord old = RecordOf(locker with { Client = "client.1" }, PeerFuse);

        // Falls back to the host: any watch from its IP keeps it live; fenced as a whole host.
        Assert.Equal(LockVerdict.Live, LockDecision.Decide(Look(locker, [NatNeighbour], record: old)).Verdict);
        LockDecision stale = LockDecision.Decide(Look(locker, [], record: old, silentFor: Grace));
        Assert.Equal(["10.77.0.12:0/0"], stale.FenceTargets);
    }

    [Fact]
    public void Without_a_record_an_advisory_holder_on_the_observers_own_ip_is_fenced_exactly()
    {
        LockerInfo locker = Locker(Peer, address: "10.77.0.11:0/5555");
        LockDecision d = LockDecision.Decide(Look(locker, [], silentFor: Grace));
        Assert.Equal(["10.77.0.11:0/5555"], d.FenceTargets);
    }

    [Theory]
    [InlineData(0, LockVerdict.Silent)]
    [InlineData(44.9, LockVerdict.Silent)]
    [InlineData(45, LockVerdict.Stale)]
    [InlineData(600, LockVerdict.Stale)]
    public void A_silent_holder_is_stale_only_after_the_grace(double seconds, LockVerdict expected)
    {
        LockerInfo locker = Locker(Peer);
        Assert.Equal(expected, LockDecision.Decide(Look(locker, [], record: RecordOf(locker, PeerHolder), silentFor: TimeSpan.FromSeconds(seconds))).Verdict);
    }

    [Fact]
    public void The_observers_own_watch_says_nothing_about_the_holder()
    {
        LockerInfo locker = Locker(Peer, address: "10.77.0.11:0/5555");
        Assert.Equal(LockVerdict.Silent, LockDecision.Decide(Look(locker, [MyAddress])).Verdict);
    }

    [Fact]
    public void An_earlier_boot_of_this_host_is_stale_at_once_when_nothing_of_it_watches()
    {
        LockerInfo locker = Locker(MyEarlierBoot, address: "10.77.0.11:0/6666");
        LockDecision d = LockDecision.Decide(Look(locker, [], record: RecordOf(locker, "10.77.0.11:0/6667")));
        Assert.Equal(LockVerdict.Stale, d.Verdict);
        Assert.Equal(["10.77.0.11:0/6666", "10.77.0.11:0/6667"], d.FenceTargets);
    }

    [Fact]
    public void A_live_clone_with_our_machine_id_is_not_taken_for_our_earlier_boot()
    {
        LockerInfo locker = Locker(MyEarlierBoot, address: "10.77.0.13:0/7777");
        LockDecision d = LockDecision.Decide(Look(locker, ["10.77.0.13:0/7777"]));
        Assert.Equal(LockVerdict.Live, d.Verdict);
        Assert.Empty(d.FenceTargets);
    }

    [Fact]
    public void An_earlier_boots_old_address_now_someone_elses_is_not_fenced_as_a_whole_host()
    {
        // DHCP gave the old address to another machine: fence the recorded clients only.
        LockerInfo locker = Locker(MyEarlierBoot, address: "10.77.0.20:0/8888");
        LockDecision d = LockDecision.Decide(Look(locker, ["10.77.0.20:0/1234"], record: RecordOf(locker, "10.77.0.20:0/8889")));
        Assert.Equal(LockVerdict.Stale, d.Verdict);
        Assert.DoesNotContain("10.77.0.20:0/0", d.FenceTargets);
    }

    [Fact]
    public void Managed_mode_decides_by_the_owners_exact_address()
    {
        var owner = new LockerInfo("client.6000", "auto 18446462598732840961", "10.77.0.12:0/6000");
        Assert.Equal(LockVerdict.Live, LockDecision.Decide(Look(owner, ["10.77.0.12:0/6000"], mode: LockMode.Managed)).Verdict);
        Assert.Equal(LockVerdict.Silent, LockDecision.Decide(Look(owner, [NatNeighbour], mode: LockMode.Managed)).Verdict);
        LockDecision stale = LockDecision.Decide(Look(owner, [NatNeighbour], silentFor: Grace, mode: LockMode.Managed));
        Assert.Equal(["10.77.0.12:0/6000"], stale.FenceTargets);
    }

    [Fact]
    public void The_kernels_cookie_is_the_same_on_every_host_so_ours_needs_the_client_too()
    {
        var owner = new LockerInfo("client.6000", "auto 18446462598732840961", "10.77.0.12:0/6000");
        var myLease = new Lease("auto 18446462598732840961", "client.7000", "10.77.0.11:0/7000");
        Assert.Equal(LockVerdict.Live, LockDecision.Decide(Look(owner, ["10.77.0.12:0/6000"], myLease, mode: LockMode.Managed)).Verdict);
    }

    [Fact]
    public void A_record_round_trips_through_its_text()
    {
        LockerInfo locker = Locker(Peer);
        HolderRecord record = RecordOf(locker, PeerHolder, PeerFuse);
        HolderRecord? parsed = HolderRecord.Parse(record.Format());
        Assert.NotNull(parsed);
        Assert.Equal(record.Clients, parsed.Clients);
        Assert.True(parsed.Describes(locker));
        Assert.Null(HolderRecord.Parse("garbage"));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void A_lease_round_trips_through_its_file()
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("rbdfence-lease-").FullName;
        try
        {
            string path = Lease.PathFor(dir, VolumeSpec.Parse("rbd/ns 1/vol"));
            Assert.Null(Lease.Read(path));
            var lease = new Lease("rbdfence:1:x", "client.1", "10.0.0.1:0/1");
            lease.Write(path);
            Assert.Equal(lease, Lease.Read(path));
            Assert.Equal(System.IO.UnixFileMode.UserRead | System.IO.UnixFileMode.UserWrite, System.IO.File.GetUnixFileMode(path));
        }
        finally
        {
            System.IO.Directory.Delete(dir, recursive: true);
        }
    }
}
