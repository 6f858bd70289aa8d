using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;
using Xunit.Abstractions;

namespace Rbdfence.Fencing.ClusterTests;

/// <summary>Contention between two live hosts, and the hand-over when the holder lets go.</summary>
[Collection(MultiHostCluster.Collection)]
public sealed class HandOverTests(MultiHostCluster cluster, ITestOutputHelper output)
{
    private const int Rounds = 20;

    [Fact]
    public async Task A_second_host_is_refused_with_the_holder_named_and_the_try_again_code()
    {
        string volume = await cluster.CreateImageAsync("contend");
        TestHost a = cluster.Host(1), b = cluster.Host(2);

        (await a.RbdfenceAsync("acquire", volume)).EnsureSuccess();
        CommandResult refused = await b.RbdfenceAsync("acquire", volume);

        Assert.Equal(75, refused.ExitCode);
        string line = Assert.Single(refused.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("held by host-1", line, StringComparison.Ordinal);
        Assert.Contains(a.Address, line, StringComparison.Ordinal);

        // rbdfence status, from a third host, names the holder and its address.
        JsonElement status = JsonResult.Parse((await cluster.Host(3).RbdfenceAsync("status", volume, "--json")).EnsureSuccess().StdOut);
        JsonElement holder = Assert.Single(status.GetProperty("holders").EnumerateArray());
        Assert.Equal("host-1", holder.Text("host"));
        Assert.StartsWith(a.Address + ":", holder.Text("address"), StringComparison.Ordinal);

        (await a.RbdfenceAsync("release", volume)).EnsureSuccess();
        Assert.Equal("[]", (await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", volume)).EnsureSuccess().StdOut.Trim());
    }

    [Theory]
    [InlineData("--wait")]
    [InlineData("--wait", "infinity")]
    public async Task A_wait_without_a_limit_waits_until_the_holder_lets_go(params string[] wait)
    {
        // The unit template runs `acquire SPEC --wait` at boot: a bare --wait must wait, not
        // give up at once with 75.
        string volume = await cluster.CreateImageAsync("forever");
        TestHost a = cluster.Host(1), b = cluster.Host(2);

        (await a.RbdfenceAsync("acquire", volume)).EnsureSuccess();
        await using BackgroundProcess waiter = b.StartRbdfence(["acquire", volume, .. wait, "--json"]);
        await waiter.WaitForStdErrAsync("waiting", TimeSpan.FromSeconds(60));
        await Task.Delay(2000); // a --wait read as "no wait" would have exited with 75 by now
        Assert.False(waiter.HasExited, "the waiter gave up while the holder still held the lock");

        (await a.RbdfenceAsync("release", volume)).EnsureSuccess();
        (int code, string stdout, string stderr) = await waiter.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(code == 0, $"waiter exited {code}: {stderr}");
        Assert.Equal("acquired", JsonResult.Parse(stdout).Text("result"));
        (await b.RbdfenceAsync("release", volume)).EnsureSuccess();
    }

    [Fact]
    public async Task A_waiting_host_holds_the_lock_well_under_a_second_after_the_holder_releases()
    {
        string volume = await cluster.CreateImageAsync("handover");
        TestHost a = cluster.Host(1), b = cluster.Host(2);
        var latencies = new List<double>();

        for (int round = 0; round < Rounds; round++)
        {
            (await a.RbdfenceAsync("acquire", volume)).EnsureSuccess();
            await using BackgroundProcess waiter = b.StartRbdfence("acquire", volume, "--wait", "60", "--json");
            await waiter.WaitForStdErrAsync("waiting", TimeSpan.FromSeconds(60)); // started, watch armed

            JsonElement released = JsonResult.Parse((await a.RbdfenceAsync("release", volume, "--json")).EnsureSuccess().StdOut);
            (int code, string stdout, string stderr) = await waiter.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(code == 0, $"waiter exited {code}: {stderr}");
            JsonElement acquired = JsonResult.Parse(stdout);
            Assert.Equal("acquired", acquired.Text("result"));
            latencies.Add(acquired.At() - released.At());

            // Ceph's own view: exactly host-2 holds it now.
            string locks = (await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", volume)).EnsureSuccess().StdOut;
            Assert.EndsWith(":host-2", Assert.Single(JsonDocument.Parse(locks).RootElement.EnumerateArray()).Text("id"), StringComparison.Ordinal);
            (await b.RbdfenceAsync("release", volume)).EnsureSuccess();
        }

        double median = latencies.Median();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"hand-over latency over {Rounds} rounds: median {median:0} ms, min {latencies.Min():0} ms, max {latencies.Max():0} ms"));
        Assert.True(median < 1000, $"median hand-over {median} ms");
    }
}
