using System;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;
using Xunit.Abstractions;

namespace Rbdfence.Boot.Tests;

/// <summary>
/// The hostPath hazard: while a volume is not mounted, its mount point is a directory of the
/// root file system, and a pod or container writing there would write to the root disk and
/// lose it from view when the volume mounts. The consumer here is a real container: podman,
/// from Debian's packages, run inside the booted host with the mount point bind-mounted at
/// /pod with <c>rslave</c> propagation (what Kubernetes' HostToContainer asks of a runtime),
/// started before the volume is mounted.
/// </summary>
[Collection(BootCluster.Collection)]
public sealed class MountPointTests(BootCluster cluster, ITestOutputHelper output)
{
    private const string Consumer = "consumer.service";

    [Fact]
    public async Task An_unmounted_mount_point_refuses_writes_from_the_host_and_from_a_consumer_that_sees_the_volume_come_and_go()
    {
        string volume = await cluster.CreateFormattedImageAsync("hostpath");
        string service = BootCluster.InstanceOf(volume);
        // rbdfence's default grace, not the fault scenarios' 3 s: on a loaded machine a stopping
        // holder can be silent that long between its unmap and its release, and the waiter
        // would then rightly fence it, which this test is not about.
        string line = cluster.TableLine(volume, Scenario.MountPoint);
        await using BootedHost a = await BootedHost.BootAsync(cluster, 1, line);
        await a.WaitUntilActiveAsync(Scenario.MountUnit, Scenario.BootTimeout, service);
        await using BootedHost b = await BootedHost.BootAsync(cluster, 2, line);
        await Scenario.WaitUntilWaitingAsync(b, service, Scenario.BootTimeout);

        // Waiting: systemctl status says for whom, and since when.
        string waiting = await b.PropertyAsync(service, "StatusText");
        output.WriteLine($"{b.HostName} {service} StatusText: {waiting}");
        Assert.Matches(@"^waiting since \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ for the lock, held by boot-1 \(client\.\d+ at .*live\)$", waiting);

        // A consumer started now, before the mount: a container with an rslave bind mount. It
        // makes the mount point if it is missing, as kubelet's hostPath DirectoryOrCreate does.
        (await b.RunAsync("sh", "-c", $"mkdir -p {Scenario.MountPoint} && printf '{PodmanConf}' > {PodmanConfPath}")).EnsureSuccess();
        (await b.RunAsync(["systemd-run", "--unit", Consumer, "--service-type=exec", .. Podman("run", [.. PodmanRun, "sleep", "infinity"])])).EnsureSuccess();
        await b.WaitForAsync("the consumer container", TimeSpan.FromSeconds(60), InConsumer("findmnt", "--noheadings", "/pod"), Consumer);
        await AssertRefusedAsync(b, InConsumer("sh", "-c", "echo lost > /pod/from-consumer"), "the consumer");

        // Not mounted: the host's own writes fail too, instead of landing on the root disk.
        await AssertRefusedAsync(b, ["sh", "-c", $"echo lost > {Scenario.MountPoint}/from-host"], "the host");

        // a lets go, b mounts: the consumer sees the volume and writes to it.
        (await a.SystemctlAsync("stop", service)).EnsureSuccess();
        await b.WaitUntilActiveAsync(Scenario.MountUnit, Scenario.BootTimeout, service);
        // a's holder unmapped, released and deleted its lease: the unit's ExecStopPost found
        // no lease and started no `rbdfence release` (which would have said "not held by this
        // host, nothing to release"), as at a shutdown where every volume stops at once.
        Assert.DoesNotContain("nothing to release", await a.JournalAsync(service), StringComparison.Ordinal);
        (await b.RunAsync(InConsumer("sh", "-c", "echo written-by-the-pod > /pod/from-consumer && sync"))).EnsureSuccess();
        Assert.Equal("written-by-the-pod", (await b.RunAsync("cat", $"{Scenario.MountPoint}/from-consumer")).EnsureSuccess().StdOut.Trim());

        // b stops: the consumer sees the volume go, and its writes fail again.
        (await b.SystemctlAsync("stop", service)).EnsureSuccess();
        Assert.False(await Scenario.IsMountedAsync(b), "b's volume is still mounted after its stop");
        Assert.False((await b.RunAsync(InConsumer("test", "-e", "/pod/from-consumer"))).Succeeded, "the consumer still sees the volume after the stop");
        await AssertRefusedAsync(b, InConsumer("sh", "-c", "echo lost > /pod/after-stop"), "the consumer, after the stop");
        await AssertRefusedAsync(b, ["sh", "-c", $"echo lost > {Scenario.MountPoint}/after-stop"], "the host, after the stop");

        // Back on a: the consumer's write is on the volume, read by the other host.
        // Not waiting for the job: if a's start fails, the wait below says why (a's journal).
        (await a.SystemctlAsync("start", "--no-block", Scenario.MountUnit)).EnsureSuccess();
        await a.WaitUntilActiveAsync(Scenario.MountUnit, Scenario.BootTimeout, service);
        Assert.Equal("written-by-the-pod", (await a.RunAsync("cat", $"{Scenario.MountPoint}/from-consumer")).EnsureSuccess().StdOut.Trim());
    }

    // What a booted test host (systemd-nspawn on this cgroup v1 machine) does not allow a
    // runtime: its cgroup hierarchies and /proc/sys are read-only, its services may not make
    // a session keyring or bring up a new network namespace's loopback. So the container
    // gets no cgroup, sysctl, keyring or network namespace of its own (it does no I/O but on
    // /pod); its root is the host's, overlaid (no image registry is reachable), /usr bound in.
    private const string PodmanConfPath = "/run/consumer-containers.conf";
    private const string PodmanConf = "[containers]\\ndefault_sysctls = []\\nkeyring = false\\n";

    private static readonly string[] PodmanRun =
    [
        "--name", "consumer", "--rm", "--cgroups=disabled", "--network=host",
        "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
        "--mount", $"type=bind,src={Scenario.MountPoint},dst=/pod,bind-propagation=rslave",
        "--mount", "type=bind,src=/usr,dst=/usr,ro=true",
        "--rootfs", "/:O",
    ];

    private static string[] Podman(string verb, string[] arguments) => ["env", $"CONTAINERS_CONF={PodmanConfPath}", "podman", verb, .. arguments];

    /// <summary>A command run in the consumer container (as <c>kubectl exec</c> would).</summary>
    private static string[] InConsumer(params string[] command) => Podman("exec", ["consumer", .. command]);

    private static async Task AssertRefusedAsync(BootedHost host, string[] write, string who)
    {
        CommandResult result = await host.RunAsync(write);
        Assert.False(result.Succeeded, $"{host.HostName}: {who} wrote into its unmounted mount point, onto its root disk");
        Assert.Contains("Operation not permitted", result.StdErr, StringComparison.Ordinal);
    }
}
