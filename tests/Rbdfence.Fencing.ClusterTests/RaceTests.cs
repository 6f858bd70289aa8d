using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;
using Xunit.Abstractions;

namespace Rbdfence.Fencing.ClusterTests;

/// <summary>Three hosts racing for one volume, checked by Ceph's own view from outside.</summary>
[Collection(MultiHostCluster.Collection)]
public sealed class RaceTests(MultiHostCluster cluster, ITestOutputHelper output)
{
    // 120 rounds (it was 200): about 0.9 s each, and CI's time is bounded; the three
    // acquires of a round start together, so every round is a real race.
    private const int Rounds = 120;

    [Fact]
    public async Task Simultaneous_acquires_from_three_hosts_always_leave_exactly_one_holder()
    {
        string volume = await cluster.CreateImageAsync("race");
        TestHost[] hosts = [cluster.Host(1), cluster.Host(2), cluster.Host(3)];
        int[] wins = new int[hosts.Length];

        for (int round = 0; round < Rounds; round++)
        {
            CommandResult[] results = await Task.WhenAll(hosts.Select(h => h.RbdfenceAsync("acquire", volume)));

            int[] winners = Enumerable.Range(0, hosts.Length).Where(i => results[i].ExitCode == 0).ToArray();
            Assert.True(winners.Length == 1, $"round {round}: {winners.Length} hosts think they hold it: {string.Join(" | ", results.Select(r => r.ToString()))}");
            Assert.All(results.Where((_, i) => i != winners[0]), r => Assert.Equal(75, r.ExitCode));

            // Ceph's own view, from outside rbdfence: one exclusive locker, the winner.
            string locks = (await cluster.Cluster.RbdAsync("lock", "ls", "--format", "json", volume)).EnsureSuccess().StdOut;
            JsonElement locker = Assert.Single(JsonDocument.Parse(locks).RootElement.EnumerateArray());
            Assert.EndsWith(":" + hosts[winners[0]].Name, locker.Text("id"), StringComparison.Ordinal);
            Assert.StartsWith(hosts[winners[0]].Address + ":", locker.Text("address"), StringComparison.Ordinal);

            wins[winners[0]]++;
            (await hosts[winners[0]].RbdfenceAsync("release", volume)).EnsureSuccess();
        }

        output.WriteLine($"{Rounds} rounds, exactly one holder each; wins per host: {string.Join(", ", wins)}");
    }
}
