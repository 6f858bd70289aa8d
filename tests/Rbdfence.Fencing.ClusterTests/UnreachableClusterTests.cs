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
        await LinkAsync(host, up: false);
        try
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
        }
        finally
        {
            await LinkAsync(host, up: true);
        }
    }

    private static async Task LinkAsync(TestHost host, bool up) =>
        (await Processes.RunAsync("ip", ["-n", host.Namespace, "link", "set", "eth0", up ? "up" : "down"])).EnsureSuccess();
}
