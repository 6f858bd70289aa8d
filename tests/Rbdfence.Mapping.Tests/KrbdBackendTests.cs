using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Rbdfence.Volumes;
using Xunit;

namespace Rbdfence.Mapping.Tests;

/// <summary>
/// The krbd backend against a temporary directory shaped like /sys/bus/rbd: this machine's
/// kernel has no rbd module, so what is written where, in what order, and how devices are
/// found and unmapped is checked on a stand-in. The real kernel path needs a qemu guest.
/// </summary>
public sealed class KrbdBackendTests : IDisposable
{
    // A syntactically valid cephx key (base64 of a 28-byte encoded CryptoKey); not a real one.
    private const string Secret = "AQAAAAAAAAAAABAAc2VjcmV0LWZvci10ZXN0cyE=";
    private readonly string _dir;
    private readonly string _keyring;
    private readonly List<string> _log = new();

    public KrbdBackendTests()
    {
        _dir = Path.Combine(Path.GetTempPath(), "rbdfence-krbd-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _keyring = Path.Combine(_dir, "keyring");
        File.WriteAllText(_keyring, $"[client.admin]\n\tkey = AQBotherkeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n[client.rbdfence]\n\tkey = {Secret}\n\tcaps mon = \"profile rbd\"\n");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private MapRequest Request(VolumeSpec volume) => new(volume)
    {
        ClientId = "rbdfence",
        KeyringPath = _keyring,
        MonAddresses = ["127.0.0.1:6789"],
    };

    private KrbdBackend Backend(FakeRbdBus bus, IKernelKeyring keyring) =>
        new(bus.Bus, bus.DevRoot, keyring, (level, message) => { lock (_log) { _log.Add($"{level}: {message}"); } }, TimeSpan.FromSeconds(5));

    [Fact]
    public async Task Map_WithKernelKeyring_WritesKeyOption_AndInvalidatesTheKeyAfterwards()
    {
        using var bus = new FakeRbdBus();
        var keyring = new FakeKernelKeyring();
        MappedDevice device = await Backend(bus, keyring).MapAsync(Request(new VolumeSpec("rbd", "tenant", "vol1")) with { Exclusive = true });

        var added = Assert.Single(keyring.Added);
        Assert.Equal(Convert.FromBase64String(Secret), added.Payload);
        Assert.StartsWith("rbdfence.client.rbdfence.", added.Description, StringComparison.Ordinal);
        Assert.Equal([added.Serial], keyring.Invalidated);
        Assert.Equal(
            $"127.0.0.1:6789 name=rbdfence,key={added.Description},noshare,exclusive,_pool_ns=tenant rbd vol1 -",
            Assert.Single(bus.Adds));
        Assert.Equal(Path.Combine(bus.DevRoot, "rbd0"), device.DevicePath);
        Assert.Equal("0", device.BackendId);
        Assert.Equal("krbd", device.Backend);
        Assert.DoesNotContain(_log, line => line.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Map_WithoutCephKeyType_PutsTheSecretOnlyIntoTheSysfsWrite()
    {
        using var bus = new FakeRbdBus();
        const int ENODEV = 19;
        MappedDevice device = await Backend(bus, new FakeKernelKeyring(ENODEV)).MapAsync(Request(new VolumeSpec("rbd", string.Empty, "vol1", "snap1")) with { ReadOnly = true });

        Assert.Equal($"127.0.0.1:6789 name=rbdfence,secret={Secret},noshare,read_only rbd vol1 snap1", Assert.Single(bus.Adds));
        Assert.Equal(new VolumeSpec("rbd", string.Empty, "vol1", "snap1"), device.Volume);
        Assert.True(device.ReadOnly);

        // Not in any log line (the add string is logged redacted) ...
        Assert.Contains(_log, line => line.Contains("secret=<redacted>", StringComparison.Ordinal));
        Assert.DoesNotContain(_log, line => line.Contains(Secret, StringComparison.Ordinal));

        // ... and on no command line: krbd starts no process, and none on the machine has it.
        Assert.DoesNotContain(Secret, File.ReadAllText("/proc/self/cmdline"), StringComparison.Ordinal);
        foreach (string proc in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            string cmdline;
            try
            {
                cmdline = File.ReadAllText(Path.Combine(proc, "cmdline"));
            }
            catch (IOException)
            {
                continue;
            }

            Assert.DoesNotContain(Secret, cmdline, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Map_UsesLegacyAddFile_WhenNoSingleMajor()
    {
        using var bus = new FakeRbdBus(singleMajor: false);
        MappedDevice device = await Backend(bus, new FakeKernelKeyring()).MapAsync(Request(new VolumeSpec("rbd", "vol1")));
        Assert.Single(bus.Adds);
        Assert.Equal("0", device.BackendId);
    }

    [Fact]
    public async Task Map_PicksTheNewDevice_WhenTheSameImageIsAlreadyMapped()
    {
        using var bus = new FakeRbdBus();
        bus.AddDevice(0, "rbd", string.Empty, "vol1", "-");
        MappedDevice device = await Backend(bus, new FakeKernelKeyring()).MapAsync(Request(new VolumeSpec("rbd", "vol1")) with { ReadOnly = true });
        Assert.Equal("1", device.BackendId);
        Assert.Equal(Path.Combine(bus.DevRoot, "rbd1"), device.DevicePath);
    }

    [Fact]
    public async Task Map_FailsClearly_WhenNoDeviceAppears()
    {
        using var bus = new FakeRbdBus(emulateKernel: false);
        var backend = new KrbdBackend(bus.Bus, bus.DevRoot, new FakeKernelKeyring(), null, TimeSpan.FromMilliseconds(200));
        MapException e = await Assert.ThrowsAsync<MapException>(() => backend.MapAsync(Request(new VolumeSpec("rbd", "vol1"))));
        Assert.Contains("no new device", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Map_WithoutTheModule_TriesModprobe_AndSaysWhyItFailed()
    {
        // A fake runner: this machine's kernel has no rbd module to load.
        var runner = new ModprobeRunner(onRun: null, exitCode: 1, stderr: "modprobe: FATAL: Module rbd not found in directory /lib/modules/x");
        var backend = new KrbdBackend(Path.Combine(_dir, "no-such-bus"), "/dev", new FakeKernelKeyring(), runner: runner);
        MapException e = await Assert.ThrowsAsync<MapException>(() => backend.MapAsync(Request(new VolumeSpec("rbd", "vol1"))));
        Assert.Contains("rbd kernel module", e.Message, StringComparison.Ordinal);
        Assert.Contains("Module rbd not found", e.Message, StringComparison.Ordinal);
        Assert.Equal(["modprobe rbd single_major=Y"], runner.Calls);
    }

    [Fact]
    public async Task Map_LoadsTheModule_WhenTheBusIsMissing()
    {
        // Nothing on a freshly booted host loads rbd before the first map (issue 9): the bus
        // appears only once modprobe ran, as the fake runner plays it.
        using var bus = new FakeRbdBus();
        string parked = bus.Bus + ".unloaded";
        Directory.Move(bus.Bus, parked);
        var runner = new ModprobeRunner(onRun: () => Directory.Move(parked, bus.Bus), exitCode: 0, stderr: string.Empty);
        var backend = new KrbdBackend(bus.Bus, bus.DevRoot, new FakeKernelKeyring(), null, TimeSpan.FromSeconds(5), runner);

        MappedDevice device = await backend.MapAsync(Request(new VolumeSpec("rbd", "vol1")) with { Exclusive = true });
        Assert.Equal(["modprobe rbd single_major=Y"], runner.Calls);
        Assert.Equal(Path.Combine(bus.DevRoot, "rbd0"), device.DevicePath);

        // Loaded now: the next map runs no modprobe.
        await backend.MapAsync(Request(new VolumeSpec("rbd", "vol2")));
        Assert.Single(runner.Calls);
    }

    [Fact]
    public async Task Unmap_RetriesWhileTheKernelSaysBusy()
    {
        // udev probes a new /dev/rbdN for a moment after the map; a remove then fails with
        // EBUSY (issue 9: the holder's clean-up unmap failed that way and leaked the mapping
        // with the exclusive lock). Played here by a writer that refuses twice.
        using var bus = new FakeRbdBus(emulateKernel: false);
        bus.AddDevice(3, "rbd", null, "vol1", "-");
        var writes = new List<string>();
        KrbdBackend backend = new KrbdBackend(bus.Bus, bus.DevRoot, new FakeKernelKeyring(), (_, message) => _log.Add(message))
        {
            ControlWriter = (path, content) =>
            {
                writes.Add(Encoding.ASCII.GetString(content));
                if (writes.Count <= 2)
                {
                    throw new IOException("Device or resource busy", 16);
                }

                File.WriteAllBytes(path, content);
            },
        };
        MappedDevice device = (await backend.FindMappedAsync(new VolumeSpec("rbd", "vol1")))!;

        await backend.UnmapAsync(device);
        Assert.Equal(["3", "3", "3"], writes);
        Assert.Equal("3", File.ReadAllText(bus.RemoveFile));
        Assert.Contains(_log, line => line.Contains("after 2 EBUSY", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unmap_StillBusy_FailsAfterTheWait_AndSaysSo()
    {
        using var bus = new FakeRbdBus(emulateKernel: false);
        bus.AddDevice(3, "rbd", null, "vol1", "-");
        int writes = 0;
        KrbdBackend backend = new KrbdBackend(bus.Bus, bus.DevRoot, new FakeKernelKeyring())
        {
            BusyUnmapWait = TimeSpan.FromMilliseconds(300),
            ControlWriter = (_, _) =>
            {
                writes++;
                throw new IOException("Device or resource busy", 16);
            },
        };
        MappedDevice device = (await backend.FindMappedAsync(new VolumeSpec("rbd", "vol1")))!;

        MapException e = await Assert.ThrowsAsync<MapException>(() => backend.UnmapAsync(device));
        Assert.Contains("still busy after", e.Message, StringComparison.Ordinal);
        Assert.InRange(writes, 2, 60); // retried every 10 ms or so, not in a busy loop
    }

    [Fact]
    public async Task Unmap_BusyWhileMounted_FailsAtOnce_NamingTheMountPoint()
    {
        // A mounted device stays busy: waiting would only delay the error.
        using var bus = new FakeRbdBus(emulateKernel: false);
        bus.AddDevice(3, "rbd", null, "vol1", "-");
        string mounts = Path.Combine(_dir, "mounts");
        File.WriteAllText(mounts, $"/dev/vda / ext4 rw 0 0\n{Path.Combine(bus.DevRoot, "rbd3")} /mnt/with\\040space ext4 rw 0 0\n");
        int writes = 0;
        KrbdBackend backend = new KrbdBackend(bus.Bus, bus.DevRoot, new FakeKernelKeyring())
        {
            MountsFile = mounts,
            ControlWriter = (_, _) =>
            {
                writes++;
                throw new IOException("Device or resource busy", 16);
            },
        };
        MappedDevice device = (await backend.FindMappedAsync(new VolumeSpec("rbd", "vol1")))!;

        MapException e = await Assert.ThrowsAsync<MapException>(() => backend.UnmapAsync(device));
        Assert.Contains("it is mounted at /mnt/with space", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, writes);
    }

    [Fact]
    public async Task Unmap_OtherErrors_AreNotRetried()
    {
        using var bus = new FakeRbdBus(emulateKernel: false);
        bus.AddDevice(3, "rbd", null, "vol1", "-");
        int writes = 0;
        KrbdBackend backend = new KrbdBackend(bus.Bus, bus.DevRoot, new FakeKernelKeyring())
        {
            ControlWriter = (_, _) =>
            {
                writes++;
                throw new IOException("No such device", 19);
            },
        };
        MappedDevice device = (await backend.FindMappedAsync(new VolumeSpec("rbd", "vol1")))!;
        MapException e = await Assert.ThrowsAsync<MapException>(() => backend.UnmapAsync(device));
        Assert.Contains("No such device", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, writes);
    }

    [Fact]
    public async Task ClientOf_ReadsTheKernelClientsEntityAndAddress()
    {
        // The owner of the managed lock is the kernel client, not rbdfence: "this locker is
        // us" and the fence need its exact entity and address (issue 9).
        using var bus = new FakeRbdBus(emulateKernel: false);
        bus.AddDevice(3, "rbd", null, "vol1", "-");
        KrbdBackend backend = Backend(bus, new FakeKernelKeyring());
        MappedDevice device = (await backend.FindMappedAsync(new VolumeSpec("rbd", "vol1")))!;

        Assert.Equal(new KrbdClient("client.4123", "10.0.0.9:0/12345"), backend.ClientOf(device));

        Directory.Delete(Path.Combine(bus.Bus, "devices", "3"), recursive: true);
        Assert.Null(backend.ClientOf(device));
    }

    private sealed class ModprobeRunner(Action? onRun, int exitCode, string stderr) : ICommandRunner
    {
        public List<string> Calls { get; } = new();

        public Task<CommandOutput> RunAsync(string fileName, IReadOnlyList<string> arguments, TimeSpan timeout, System.Threading.CancellationToken cancellationToken = default)
        {
            Calls.Add(fileName + " " + string.Join(' ', arguments));
            onRun?.Invoke();
            return Task.FromResult(new CommandOutput(exitCode, string.Empty, stderr, TimedOut: false));
        }
    }

    [Fact]
    public async Task Map_ExclusiveReadOnly_IsRejectedBeforeAnyWrite()
    {
        using var bus = new FakeRbdBus();
        var keyring = new FakeKernelKeyring();
        await Assert.ThrowsAsync<ArgumentException>(() => Backend(bus, keyring).MapAsync(Request(new VolumeSpec("rbd", "vol1")) with { Exclusive = true, ReadOnly = true }));
        Assert.Empty(bus.Adds);
        Assert.Empty(keyring.Added);
    }

    [Fact]
    public async Task Map_MissingKeyringEntry_NamesTheEntityNotTheKey()
    {
        using var bus = new FakeRbdBus();
        MapException e = await Assert.ThrowsAsync<MapException>(() => Backend(bus, new FakeKernelKeyring()).MapAsync(Request(new VolumeSpec("rbd", "vol1")) with { ClientId = "nobody" }));
        Assert.Contains("client.nobody", e.Message, StringComparison.Ordinal);
        Assert.Empty(bus.Adds);
    }

    [Fact]
    public async Task FindMapped_ReadsDevicesDirectory()
    {
        using var bus = new FakeRbdBus(emulateKernel: false);
        bus.AddDevice(0, "rbd", string.Empty, "vol1", "-");
        bus.AddDevice(3, "rbd", "tenant", "vol1", "-");
        bus.AddDevice(7, "rbd", "tenant", "vol1", "snap1");
        bus.AddDevice(12, "other", ns: null, "vol2", "-"); // a kernel without pool_ns
        KrbdBackend backend = Backend(bus, new FakeKernelKeyring());

        Assert.Equal("0", (await backend.FindMappedAsync(new VolumeSpec("rbd", "vol1")))?.BackendId);
        Assert.Equal("3", (await backend.FindMappedAsync(new VolumeSpec("rbd", "tenant", "vol1")))?.BackendId);
        MappedDevice? snap = await backend.FindMappedAsync(new VolumeSpec("rbd", "tenant", "vol1", "snap1"));
        Assert.Equal(Path.Combine(bus.DevRoot, "rbd7"), snap?.DevicePath);
        Assert.True(snap?.ReadOnly);
        Assert.Equal("12", (await backend.FindMappedAsync(new VolumeSpec("other", "vol2")))?.BackendId);
        Assert.Null(await backend.FindMappedAsync(new VolumeSpec("rbd", "vol9")));
        Assert.Equal(["0", "3", "7", "12"], backend.ListMapped().Select(d => d.BackendId));
    }

    [Fact]
    public async Task Unmap_WritesTheDeviceId_AndForce()
    {
        using var bus = new FakeRbdBus(emulateKernel: false);
        bus.AddDevice(3, "rbd", "tenant", "vol1", "-");
        KrbdBackend backend = Backend(bus, new FakeKernelKeyring());
        MappedDevice device = (await backend.FindMappedAsync(new VolumeSpec("rbd", "tenant", "vol1")))!;

        await backend.UnmapAsync(device);
        Assert.Equal("3", File.ReadAllText(bus.RemoveFile));

        File.WriteAllText(bus.RemoveFile, string.Empty);
        await backend.UnmapAsync(device, force: true);
        Assert.Equal("3 force", File.ReadAllText(bus.RemoveFile));
        Assert.Equal(string.Empty, File.ReadAllText(bus.AddFile));
    }

    [Fact]
    public async Task Map_ReturnsOnlyOnceUdevHasTheNewDevice()
    {
        // issue 9: a leftover unmapped and the image mapped again comes back as the same
        // /dev/rbdN; a mount started before systemd (which learns of devices from udev) saw
        // the old one go was stopped again when that removal arrived. Played here by a udev
        // database directory whose entry appears 300 ms after the device.
        using var bus = new FakeRbdBus(deviceNumbers: true);
        string udev = Path.Combine(_dir, "udev-data");
        Directory.CreateDirectory(udev);
        KrbdBackend backend = new(bus.Bus, bus.DevRoot, new FakeKernelKeyring(), (_, message) => _log.Add(message)) { UdevDataRoot = udev };
        Task udevDone = Task.Run(async () =>
        {
            while (!Directory.Exists(Path.Combine(bus.Bus, "devices", "0")))
            {
                await Task.Delay(5);
            }

            await Task.Delay(300);
            File.WriteAllText(Path.Combine(udev, "b252:0"), string.Empty);
        });

        await backend.MapAsync(Request(new VolumeSpec("rbd", "vol1")));
        Assert.True(File.Exists(Path.Combine(udev, "b252:0")), "the map returned before udev had processed the new device");
        await udevDone;

        // And the unmap returns only once udev has processed the removal.
        MappedDevice device = (await backend.FindMappedAsync(new VolumeSpec("rbd", "vol1")))!;
        Task udevGone = Task.Run(async () =>
        {
            while (File.ReadAllText(bus.RemoveFile).Length == 0)
            {
                await Task.Delay(5);
            }

            await Task.Delay(300);
            File.Delete(Path.Combine(udev, "b252:0"));
        });
        await backend.UnmapAsync(device);
        Assert.False(File.Exists(Path.Combine(udev, "b252:0")), "the unmap returned before udev had processed the removal");
        await udevGone;
    }

    [Fact]
    public async Task Unmap_RunsReleased_OnceTheDeviceIsGone_BeforeUdevHasCaughtUp()
    {
        // issue 9: a holder hands the image over from this callback. Under emulation udev's
        // processing of the removal was most of a waiter's wake-up, so the callback must not
        // wait for it; but it must not run before the kernel removed the device either.
        using var bus = new FakeRbdBus(deviceNumbers: true);
        string udev = Path.Combine(_dir, "udev-data");
        Directory.CreateDirectory(udev);
        KrbdBackend backend = new(bus.Bus, bus.DevRoot, new FakeKernelKeyring(), (_, message) => _log.Add(message)) { UdevDataRoot = udev };
        File.WriteAllText(Path.Combine(udev, "b252:0"), string.Empty); // udev has the new device
        MappedDevice device = await backend.MapAsync(Request(new VolumeSpec("rbd", "vol1")));

        bool? removeWritten = null;
        bool? udevStillHadIt = null;
        Task unmap = backend.UnmapAsync(device, released: () =>
        {
            removeWritten = File.ReadAllText(bus.RemoveFile) == "0";
            udevStillHadIt = File.Exists(Path.Combine(udev, "b252:0"));
        });
        await Task.Delay(300);
        Assert.True(removeWritten, "released ran before the kernel was told to remove the device");
        Assert.True(udevStillHadIt, "released waited for udev");
        Assert.False(unmap.IsCompleted, "the unmap returned before udev had processed the removal");

        File.Delete(Path.Combine(udev, "b252:0"));
        await unmap.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Unmap_Refused_NeverRunsReleased()
    {
        using var bus = new FakeRbdBus(emulateKernel: false);
        bus.AddDevice(3, "rbd", null, "vol1", "-");
        KrbdBackend backend = new KrbdBackend(bus.Bus, bus.DevRoot, new FakeKernelKeyring())
        {
            ControlWriter = (_, _) => throw new IOException("No such device", 19),
        };
        MappedDevice device = (await backend.FindMappedAsync(new VolumeSpec("rbd", "vol1")))!;
        bool released = false;
        await Assert.ThrowsAsync<MapException>(() => backend.UnmapAsync(device, released: () => released = true));
        Assert.False(released, "the image was reported let go although the kernel refused the unmap");
    }

    [Fact]
    public async Task Map_UdevNeverFinishing_IsAWarning_NotAFailure()
    {
        using var bus = new FakeRbdBus(deviceNumbers: true);
        string udev = Path.Combine(_dir, "udev-data");
        Directory.CreateDirectory(udev);
        var levels = new List<MapLogLevel>();
        KrbdBackend backend = new(bus.Bus, bus.DevRoot, new FakeKernelKeyring(), (level, message) => { levels.Add(level); _log.Add(message); })
        {
            UdevDataRoot = udev,
            UdevWait = TimeSpan.FromMilliseconds(200),
        };

        MappedDevice device = await backend.MapAsync(Request(new VolumeSpec("rbd", "vol1")));
        Assert.Equal("0", device.BackendId);
        Assert.Contains(MapLogLevel.Warning, levels);
        Assert.Contains(_log, line => line.Contains("udev has not finished with the new", StringComparison.Ordinal));
    }

    [Fact]
    public void RealKernelKeyring_AnswersWithoutCrashing()
    {
        // This kernel has no libceph, so the "ceph" key type is unknown: ENODEV, and the
        // backend falls back to secret= in the sysfs write. With libceph loaded it succeeds.
        var keyring = new LinuxKernelKeyring();
        int error = keyring.AddCephKey("rbdfence.test." + Environment.ProcessId, Encoding.ASCII.GetBytes("not a key"), out int serial);
        Assert.True(error is 0 or 19 or 22 or 38, $"unexpected errno {error}");
        keyring.Invalidate(serial);
    }
}
