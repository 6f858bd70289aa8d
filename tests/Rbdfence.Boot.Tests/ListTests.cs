using System;
using System.Diagnostics;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;
using Xunit.Abstractions;

namespace Rbdfence.Boot.Tests;

/// <summary>
/// <c>rbdfence list</c> on a booted host answers "what does this host hold, and who holds the
/// rest": one volume mounted here, one waiting because the other host holds it, one stopped
/// by the operator, one whose image does not exist, and a line that does not parse.
/// </summary>
[Collection(BootCluster.Collection)]
public sealed class ListTests(BootCluster cluster, ITestOutputHelper output)
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task List_shows_each_volume_with_its_state_holder_and_mount()
    {
        string mounted = await cluster.CreateFormattedImageAsync("lsmnt");
        string contended = await cluster.CreateFormattedImageAsync("lsheld");
        string stopped = await cluster.CreateFormattedImageAsync("lsstop");
        string missing = "rbd/lsmissing-" + Guid.NewGuid().ToString("N")[..8];

        // The other host holds one volume first.
        await using BootedHost other = await BootedHost.BootAsync(cluster, 2, cluster.TableLine(contended, "/srv/held"));
        await other.WaitUntilActiveAsync("srv-held.mount", BootTimeout, BootCluster.InstanceOf(contended));

        string table =
            cluster.TableLine(mounted, "/srv/mounted") +
            cluster.TableLine(contended, "/srv/held") +
            cluster.TableLine(stopped, "/srv/stopped") +
            cluster.TableLine(missing, "/srv/missing", "nofail") +
            "rbd/broken /srv/broken\n";
        await using BootedHost host = await BootedHost.BootAsync(cluster, 1, table);
        await host.WaitUntilActiveAsync("srv-mounted.mount", BootTimeout, BootCluster.InstanceOf(mounted));
        await host.WaitUntilActiveAsync("srv-stopped.mount", BootTimeout, BootCluster.InstanceOf(stopped));
        await Scenario.WaitUntilWaitingAsync(host, BootCluster.InstanceOf(contended), BootTimeout);
        (await host.SystemctlAsync("stop", BootCluster.InstanceOf(stopped))).EnsureSuccess();

        // The missing image's unit fails, restarts, fails: wait until the listing says failed.
        var clock = Stopwatch.StartNew();
        JsonElement listed = await ListJsonAsync(host);
        while (Volume(listed, missing).GetProperty("state").GetString() != "failed" && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(500);
            listed = await ListJsonAsync(host);
        }

        output.WriteLine(listed.ToString());
        Assert.Equal(5, listed.GetProperty("volumes").GetArrayLength());
        Assert.Equal(0, listed.GetProperty("exitCode").GetInt32());

        JsonElement here = Volume(listed, mounted);
        Assert.Equal("mounted", here.GetProperty("state").GetString());
        Assert.True(here.GetProperty("mounted").GetBoolean());
        Assert.True(here.GetProperty("holder").GetProperty("self").GetBoolean());
        Assert.True(here.GetProperty("holder").GetProperty("live").GetBoolean());
        Assert.Equal(host.HostName, here.GetProperty("holder").GetProperty("host").GetString());
        Assert.StartsWith("/run/rbdfence/dev/", here.GetProperty("device").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.String, here.GetProperty("since").ValueKind);

        JsonElement waiting = Volume(listed, contended);
        Assert.Equal("waiting", waiting.GetProperty("state").GetString());
        Assert.False(waiting.GetProperty("mounted").GetBoolean());
        Assert.False(waiting.GetProperty("holder").GetProperty("self").GetBoolean());
        Assert.Equal(other.HostName, waiting.GetProperty("holder").GetProperty("host").GetString());
        Assert.True(waiting.GetProperty("holder").GetProperty("live").GetBoolean());
        Assert.Equal(JsonValueKind.Null, waiting.GetProperty("device").ValueKind);
        // The unit's own status line, as systemctl status shows it: since when, and for whom.
        Assert.Matches($@"^waiting since \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ for the lock, held by {other.HostName} \(client\.\d+ at ",
            waiting.GetProperty("statusText").GetString());

        JsonElement stop = Volume(listed, stopped);
        Assert.Equal("stopped", stop.GetProperty("state").GetString());
        Assert.False(stop.GetProperty("mounted").GetBoolean());
        Assert.Equal(JsonValueKind.Null, stop.GetProperty("holder").ValueKind);
        Assert.Equal(JsonValueKind.Null, stop.GetProperty("holderError").ValueKind);

        JsonElement failed = Volume(listed, missing);
        Assert.Equal("failed", failed.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("holder").ValueKind);
        Assert.Contains("no such pool, namespace or image", failed.GetProperty("holderError").GetString(), StringComparison.Ordinal);

        JsonElement bad = listed.GetProperty("volumes").EnumerateArray().Single(v => v.GetProperty("line").GetInt32() == 5);
        Assert.Equal("error", bad.GetProperty("state").GetString());
        Assert.Contains("found 2 fields", bad.GetProperty("error").GetString(), StringComparison.Ordinal);

        // The human listing: one line per table line, saying the same. The missing image's
        // unit spends a moment of each restart in start-pre (waiting): list until it is failed.
        string[] lines = await ListTextAsync(host);
        for (clock.Restart(); !lines[4].Contains(" failed ", StringComparison.Ordinal) && clock.Elapsed < TimeSpan.FromSeconds(30); lines = await ListTextAsync(host))
        {
            await Task.Delay(500);
        }

        output.WriteLine(string.Join('\n', lines));
        Assert.Equal(6, lines.Length);
        Assert.StartsWith("LINE", lines[0], StringComparison.Ordinal);
        Assert.Matches($@"^1 +{mounted} +/srv/mounted +yes +mounted .* this host \(client\.\d+, since .*, live\)", lines[1]);
        Assert.Matches($@"^2 +{contended} +/srv/held +no +waiting .* {other.HostName} \(client\.\d+ at ", lines[2]);
        Assert.Contains("waiting since ", lines[2], StringComparison.Ordinal);
        Assert.Matches($@"^3 +{stopped} +/srv/stopped +no +stopped .* not locked ", lines[3]);
        Assert.Matches($@"^4 +{missing} +/srv/missing +no +failed .*holder unknown: ", lines[4]);
        Assert.Matches(@"^5 +- +- +- +error .*found 2 fields", lines[5]);

        // And on the other host, the held volume is its own.
        JsonElement theirs = Volume(await ListJsonAsync(other), contended);
        Assert.Equal("mounted", theirs.GetProperty("state").GetString());
        Assert.True(theirs.GetProperty("holder").GetProperty("self").GetBoolean());
    }

    private static async Task<string[]> ListTextAsync(BootedHost host) =>
        (await host.RunAsync("rbdfence", "list")).EnsureSuccess().StdOut.TrimEnd('\n').Split('\n');

    private static async Task<JsonElement> ListJsonAsync(BootedHost host)
    {
        CommandResult list = await host.RunAsync("rbdfence", "list", "--json");
        Assert.True(list.Succeeded, $"rbdfence list --json on {host.HostName} failed:\n{list}");
        using var document = JsonDocument.Parse(list.StdOut);
        return document.RootElement.Clone();
    }

    private static JsonElement Volume(JsonElement listed, string spec) =>
        listed.GetProperty("volumes").EnumerateArray().Single(v => v.TryGetProperty("volume", out JsonElement s) && s.GetString() == spec);
}
