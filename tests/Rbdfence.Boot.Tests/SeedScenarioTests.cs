using System;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;
using Xunit.Abstractions;

namespace Rbdfence.Boot.Tests;

/// <summary>
/// The README's main job (<c>scripts/demo</c>) is the seed scenario and checks itself; this
/// runs it unattended, on the fixture's install tree, and holds it to its claims.
/// </summary>
[Collection(BootCluster.Collection)]
public sealed partial class SeedScenarioTests(BootCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task The_demo_boots_two_hosts_and_the_waiting_one_mounts_within_a_second_of_the_stop()
    {
        CommandResult demo = await RepoScripts.RunAsync("demo", ["--install", cluster.InstallTree], TimeSpan.FromMinutes(5));
        output.WriteLine(demo.StdOut);
        output.WriteLine(demo.StdErr);

        Assert.True(demo.Succeeded, $"scripts/demo failed:\n{demo}");
        Assert.Contains("held by host-a", demo.StdOut, StringComparison.Ordinal);
        Assert.Contains("activating (start-pre)", demo.StdOut, StringComparison.Ordinal);
        Match handOver = HandOver().Match(demo.StdOut);
        Assert.True(handOver.Success, "the demo did not report its hand-over time");
        Assert.InRange(int.Parse(handOver.Groups[1].Value, CultureInfo.InvariantCulture), 0, 999);
    }

    [GeneratedRegex(@"^hand-over: (\d+) ms$", RegexOptions.Multiline)]
    private static partial Regex HandOver();
}
