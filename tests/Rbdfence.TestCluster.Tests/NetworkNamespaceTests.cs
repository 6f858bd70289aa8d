using System;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;

namespace Rbdfence.TestCluster.Tests;

/// <summary>
/// "Several hosts on one machine": a cluster in a network namespace of its own, hosts in
/// others, each with its own address. All traffic stays inside the namespaces.
/// </summary>
public sealed class NetworkNamespaceTests
{
    [Fact]
    public async Task Blocklisting_one_hosts_address_fences_only_that_host()
    {
        string prefix = "t" + Guid.NewGuid().ToString("N")[..6];
        (await CephCluster.RunScriptAsync("netns-up", "--prefix", prefix, "--hosts", "2")).EnsureSuccess();
        try
        {
            await using CephCluster cluster = await CephCluster.StartAsync(
                extraArguments: ["--netns", prefix + "-cluster", "--addr", "10.77.0.1"]);
            Assert.Equal(prefix + "-cluster", cluster.NetworkNamespace);
            Assert.StartsWith("10.77.0.1:", cluster.MonAddress, StringComparison.Ordinal);
            string host1 = prefix + "-h1";
            string host2 = prefix + "-h2";

            (await cluster.RunAsync("rbd", ["create", "--size", "16M", "rbd/shared"], networkNamespace: host1))
                .EnsureSuccess();
            (await cluster.RunAsync("rbd", ["lock", "add", "rbd/shared", "h1"], networkNamespace: host1))
                .EnsureSuccess();
            CommandResult locks = (await cluster.RunAsync(
                "rbd", ["lock", "ls", "--format", "json", "rbd/shared"], networkNamespace: host2)).EnsureSuccess();
            Assert.Contains("\"address\":\"10.77.0.11:0/", locks.StdOut, StringComparison.Ordinal);

            (await cluster.CephAsync("osd", "blocklist", "add", "10.77.0.11:0/0")).EnsureSuccess();

            TimeSpan limit = TimeSpan.FromSeconds(20);
            CommandResult fenced = await cluster.RunAsync("rbd", ["info", "rbd/shared"], limit, host1);
            Assert.False(fenced.Succeeded, "host 1 is blocklisted: " + fenced);
            CommandResult other = await cluster.RunAsync("rbd", ["info", "rbd/shared"], limit, host2);
            Assert.True(other.Succeeded, "host 2 is not: " + other);
        }
        finally
        {
            (await CephCluster.RunScriptAsync("netns-down", "--prefix", prefix)).EnsureSuccess();
        }
    }
}
