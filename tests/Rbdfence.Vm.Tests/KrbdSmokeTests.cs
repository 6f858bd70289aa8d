using System;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;
using Xunit.Abstractions;

namespace Rbdfence.Vm.Tests;

/// <summary>
/// The harness itself, without rbdfence: the guests' kernel client maps an exclusive-lock
/// image exclusively, the second guest is refused, and the cluster names the first one's
/// kernel client as the owner. This is what every other VM test stands on.
/// </summary>
[Collection(VmCluster.Collection)]
[Trait("Tier", "vm")]
public sealed class KrbdSmokeTests(VmCluster cluster, ITestOutputHelper output)
{
    /// <summary>Maps IMAGE (arg 1) through sysfs with the admin key; prints the device id.</summary>
    internal const string MapScript = """
        map() {
          modprobe rbd single_major=Y || return 1
          mon=$(sed -n 's/.*v1:\([0-9.]*:[0-9]*\).*/\1/p' /etc/ceph/ceph.conf | head -n 1)
          key=$(awk '/^\[client\.admin\]/ { f = 1; next } /^\[/ { f = 0 } f && $1 == "key" { print $3; exit }' /etc/ceph/keyring)
          echo "$mon name=admin,secret=$key,$2 rbd $1 -" > /sys/bus/rbd/add_single_major || return 1
          for d in /sys/bus/rbd/devices/*; do [ "$(cat $d/name)" = "$1" ] && echo "${d##*/}"; done
        }
        """ + "\n";

    [Fact]
    public async Task Exclusive_krbd_map_on_a_refuses_b_and_the_cluster_names_a()
    {
        await cluster.CreateImageAsync("rbd/exclusive");

        CommandResult onA = await cluster.ExecAsync(
            "a",
            MapScript + """
                set -e
                id=$(map exclusive exclusive)
                dd if=/dev/urandom of=/dev/rbd$id bs=64k count=16 oflag=direct status=none
                echo "id=$id"
                echo "client=$(cat /sys/bus/rbd/devices/$id/client_id)"
                ip -4 -o addr show eth0 | awk '{ split($4, a, "/"); print "ip=" a[1] }'
                """);
        output.WriteLine(onA.ToString());
        onA.EnsureSuccess();
        string id = Field(onA.StdOut, "id");
        string client = Field(onA.StdOut, "client");
        string ipA = Field(onA.StdOut, "ip");

        try
        {
            CommandResult onB = await cluster.ExecAsync("b", MapScript + "map exclusive exclusive");
            output.WriteLine(onB.ToString());
            Assert.NotEqual(0, onB.ExitCode);
            Assert.Contains("Read-only file system", onB.StdErr, StringComparison.Ordinal);
            CommandResult dmesg = await cluster.ExecAsync("b", "dmesg | grep -c 'peer will not release lock'");
            Assert.NotEqual("0", dmesg.StdOut.Trim());

            string locks = (await cluster.CephAsync("rbd", "lock", "ls", "rbd/exclusive")).EnsureSuccess().StdOut;
            output.WriteLine(locks);
            Assert.Contains(client.Replace("client", "client.", StringComparison.Ordinal), locks, StringComparison.Ordinal);
            Assert.Contains(ipA + ":0/", locks, StringComparison.Ordinal);
        }
        finally
        {
            (await cluster.ExecAsync("a", $"echo {id} > /sys/bus/rbd/remove_single_major")).EnsureSuccess();
        }

        string after = (await cluster.CephAsync("rbd", "lock", "ls", "rbd/exclusive")).EnsureSuccess().StdOut;
        Assert.DoesNotContain(ipA, after, StringComparison.Ordinal);
    }

    internal static string Field(string text, string name)
    {
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith(name + "=", StringComparison.Ordinal))
            {
                return line[(name.Length + 1)..].Trim();
            }
        }

        throw new InvalidOperationException($"no '{name}=' line in:\n{text}");
    }
}
