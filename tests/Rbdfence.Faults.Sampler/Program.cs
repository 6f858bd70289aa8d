using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading;
using Rbdfence.Fencing.Ceph;

namespace Rbdfence.Faults;

/// <summary>
/// <c>Rbdfence.Faults.Sampler CONF POOL IMAGE PERIOD-MS</c>: every PERIOD-MS prints one JSON
/// line, <c>{"at": unix-ms, "ok": bool, "lockers": [{"locker", "id", "address"}], "watchers":
/// [address...], "mappings": [{"pid", "netns"}]}</c>: the image header's lockers
/// (<c>rados_list_lockers</c>, what <c>rbd lock ls</c> shows) and watchers
/// (<c>rbd_watchers_list</c>, what <c>rbd status</c> shows), and the rbd-fuse processes
/// serving the image that were alive both before and after those reads, so throughout
/// them. A scan taken only after the reads (by a busy test process, a while later) could
/// pair one host's lock with a data path another host started after the lock moved: a
/// double hold that never was. The image is open read-only, so this client never watches
/// it itself. Runs until its standard input closes or SIGTERM.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length != 4)
        {
            Console.Error.WriteLine("usage: Rbdfence.Faults.Sampler CONF POOL IMAGE PERIOD-MS");
            return 64;
        }

        int period = int.Parse(args[3], CultureInfo.InvariantCulture);
        using var stop = new CancellationTokenSource();
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        using RadosCluster cluster = RadosCluster.Connect(new CephClientOptions { Conf = args[0], ConnectTimeout = TimeSpan.FromSeconds(30) });
        using IoContext io = cluster.OpenPool(args[1], string.Empty);
        using RbdImage image = RbdImage.Open(io, args[2], readOnly: true);
        var header = new HeaderLock(io, "rbd_header." + image.Id);
        var lockers = new LockerList();
        using var output = new System.IO.StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
        while (!stop.IsCancellationRequested)
        {
            var clock = Stopwatch.StartNew();
            long at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var watchers = new List<string>();
            var before = RbdFuseProcesses.Of(args[2]);
            int lrc = header.ListLockers(lockers);
            int wrc = image.VisitWatchers(ref watchers, static (ref List<string> w, ReadOnlySpan<byte> address, long _, ulong _) =>
                w.Add(Encoding.UTF8.GetString(address)));
            var after = RbdFuseProcesses.Of(args[2]);
            var sample = new Dictionary<string, object>
            {
                ["at"] = at,
                ["ok"] = lrc >= 0 && wrc >= 0,
                ["lockers"] = Lockers(lrc >= 0 ? lockers : null),
                ["watchers"] = watchers,
                ["mappings"] = Throughout(before, after),
            };
            output.WriteLine(JsonSerializer.Serialize(sample));
            TimeSpan left = TimeSpan.FromMilliseconds(period) - clock.Elapsed;
            if (left > TimeSpan.Zero)
            {
                stop.Token.WaitHandle.WaitOne(left);
            }
        }

        return 0;
    }

    private static List<Dictionary<string, object>> Throughout(List<(int Pid, string NetNs)> before, List<(int Pid, string NetNs)> after)
    {
        var result = new List<Dictionary<string, object>>();
        foreach ((int pid, string netns) in after)
        {
            if (before.Exists(b => b.Pid == pid))
            {
                result.Add(new Dictionary<string, object> { ["pid"] = pid, ["netns"] = netns });
            }
        }

        return result;
    }

    private static List<Dictionary<string, string>> Lockers(LockerList? list)
    {
        var result = new List<Dictionary<string, string>>();
        for (int i = 0; i < (list?.Count ?? 0); i++)
        {
            Locker l = list![i];
            result.Add(new Dictionary<string, string>
            {
                ["locker"] = Encoding.UTF8.GetString(l.Client),
                ["id"] = Encoding.UTF8.GetString(l.Cookie),
                ["address"] = Encoding.UTF8.GetString(l.Address),
            });
        }

        return result;
    }
}
