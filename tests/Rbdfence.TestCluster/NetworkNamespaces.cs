using System.Collections.Generic;

namespace Rbdfence.TestCluster;

/// <summary>How a test runs a process inside one of its network namespaces ("hosts").</summary>
public static class NetworkNamespaces
{
    /// <summary>
    /// The command line that runs <paramref name="tool"/> in network namespace
    /// <paramref name="name"/> and nothing else: <c>nsenter --net=/run/netns/NAME</c>, which
    /// execs the tool (so its pid is the tool's). Not <c>ip netns exec</c>: that also gives
    /// every process a private copy of the mount table, so a mount, an unmount or an rbd-fuse
    /// mount made by one process of a "host" is invisible to the next, which no real host
    /// does and which hid a writer whose device was already gone.
    /// </summary>
    public static (string FileName, List<string> Arguments) Command(string name, string tool, IEnumerable<string> arguments)
    {
        var all = new List<string> { "--net=/run/netns/" + name, tool };
        all.AddRange(arguments);
        return ("nsenter", all);
    }
}
