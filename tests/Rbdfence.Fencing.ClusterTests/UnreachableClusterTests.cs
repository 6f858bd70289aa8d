using System;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;

namespace Rbdfence.Fencing.ClusterTests;

/// <summary>
/// A unit starting before the network (or the mons) is up: <c>acquire --wait</c> waits for the
/// cluster as it waits for the lock; a one-shot acquire says 69 (unreachable) at once. Host 7's
/// cable is pulled for it (this class's host).
/// </summary>
[Collection(MultiHostCluster.Collection)]
public sealed class UnreachableClusterTests(MultiHostCluster cluster)
{
    [Fact]
    public async Task Acquire_with_wait_waits_for_an_unreachable_cluster_and_then_takes_the_lock()
    {
        string volume = await cluster.CreateImageAsync("late-net");
        TestHost host = cluster.Host(7);
        await WithoutNetworkAsync(host, async () =>
        {
            CommandResult once = await host.RbdfenceAsync("acquire", volume, "--connect-timeout", "2");
            Assert.True(once.ExitCode == 69, $"a one-shot acquire without a network exited {once.ExitCode}, not 69: {once.StdErr}");

            await using BackgroundProcess waiting = host.StartRbdfence("acquire", volume, "--wait", "120", "--connect-timeout", "2", "--json");
            await Task.Delay(TimeSpan.FromSeconds(6)); // at least two attempts fail
            Assert.False(waiting.HasExited, "acquire --wait gave up on an unreachable cluster instead of waiting for it");
            await LinkAsync(host, up: true);

            (int code, string stdout, string stderr) = await waiting.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(code == 0, $"acquire --wait exited {code} once the cluster was reachable: {stderr}");
            Assert.Contains("unreachable", stderr, StringComparison.Ordinal);
            Assert.Equal("acquired", JsonResult.Parse(stdout).Text("result"));
            (await host.RbdfenceAsync("release", volume)).EnsureSuccess();
        });
    }

    [Fact]
    public async Task Release_of_a_volume_this_host_does_not_hold_answers_without_the_cluster()
    {
        // ExecStopPost runs release however the unit ended, also when acquire never got the
        // lock because the cluster was unreachable: that stop must not wait for a connect timeout.
        string volume = await cluster.CreateImageAsync("never-held");
        TestHost host = cluster.Host(7);
        await WithoutNetworkAsync(host, async () =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            CommandResult released = await host.RbdfenceAsync("release", volume, "--connect-timeout", "20", "--json");
            Assert.True(released.ExitCode == 0, $"release exited {released.ExitCode}: {released.StdErr}");
            Assert.Equal("not-held", JsonResult.Parse(released.StdOut).Text("result"));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"release took {clock.Elapsed.TotalSeconds:0.0} s without the cluster (connect timeout 20 s)");

            CommandResult typo = await host.RbdfenceAsync("release", volume, "--keyring", "/nonexistent/keyring");
            Assert.True(typo.ExitCode == 64, $"release with a missing keyring file exited {typo.ExitCode}, not 64: {typo.StdErr}");
        });
    }

    /// <summary>Runs <paramref name="body"/> with the host's cable pulled; plugs it back whatever happens.</summary>
    private static async Task WithoutNetworkAsync(TestHost host, Func<Task> body)
    {
        await LinkAsync(host, up: false);
        try
        {
            await body();
        }
        finally
        {
            await LinkAsync(host, up: true);
        }
    }

    private static async Task LinkAsync(TestHost host, bool up) =>
        (await Processes.RunAsync("ip", ["-n", host.Namespace, "link", "set", "eth0", up ? "up" : "down"])).EnsureSuccess();
}
