using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Rbdfence.TestCluster;

namespace Rbdfence.Boot.Tests;

/// <summary>
/// A writer on a booted host's fenced file system, run as a transient unit of the host
/// (<c>systemd-run</c>) with its working directory in the mount: it appends numbered,
/// checksummed records to <c>records</c> and fsyncs each, and logs every record the fsync
/// acknowledged, with the CLOCK_MONOTONIC time of the acknowledgement, to a file outside
/// the volume (the host's /etc/ceph, which is this machine's directory). A failing write or
/// fsync is retried and never logged: the writer keeps the file open and the mount busy,
/// as an application would.
/// </summary>
public sealed class Writer
{
    public const string Unit = "rbdfence-test-writer.service";

    private const string Script = """
        import os, sys, time, zlib
        path, ack, tag = sys.argv[1:4]
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        log = open(ack, "a", buffering=1)
        n = 0
        while True:
            n += 1
            body = "%s %08d %s" % (tag, n, "x" * 64)
            record = ("%s %08x\n" % (body, zlib.crc32(body.encode()))).encode()
            while True:
                try:
                    os.write(fd, record)
                    os.fsync(fd)
                    break
                except OSError as e:
                    print("write %d: %s" % (n, e), flush=True)
                    time.sleep(0.2)
            log.write("%d %d\n" % (n, time.monotonic_ns() // 1000))
            time.sleep(0.005)
        """;

    private readonly BootedHost _host;
    private readonly string _mountPoint;

    private Writer(BootedHost host, string mountPoint, string tag)
    {
        _host = host;
        _mountPoint = mountPoint;
        Tag = tag;
    }

    /// <summary>What each of its records starts with.</summary>
    public string Tag { get; }

    private string AckLog => Path.Join(_host.EtcCeph, $"acks-{Tag}");

    /// <summary>Starts writing to <paramref name="mountPoint"/> on <paramref name="host"/>.</summary>
    public static async Task<Writer> StartAsync(BootedHost host, string mountPoint, string tag)
    {
        var writer = new Writer(host, mountPoint, tag);
        File.WriteAllText(Path.Join(host.EtcCeph, "writer.py"), Script);
        File.WriteAllText(writer.AckLog, string.Empty);
        // Not --working-directory: that would make the unit require the mount, and systemd
        // would stop the writer before unmounting. An application systemd does not know to
        // stop first (a login shell, a container's process) is what keeps a mount busy.
        (await host.RunAsync(
            "systemd-run", "--unit", Unit, "--collect", "sh", "-c", $"cd '{mountPoint}' && exec \"$@\"", "writer",
            "python3", "/etc/ceph/writer.py", mountPoint + "/records", "/etc/ceph/" + Path.GetFileName(writer.AckLog), tag)).EnsureSuccess();
        return writer;
    }

    /// <summary>The acknowledged records so far: sequence number and monotonic time (µs).</summary>
    public IReadOnlyList<(long Seq, long AckedAtUs)> Acknowledged()
    {
        var acks = new List<(long, long)>();
        foreach (string line in File.ReadAllLines(AckLog))
        {
            string[] parts = line.Split(' ');
            if (parts.Length == 2 && long.TryParse(parts[0], CultureInfo.InvariantCulture, out long seq) && long.TryParse(parts[1], CultureInfo.InvariantCulture, out long at))
            {
                acks.Add((seq, at));
            }
        }

        return acks;
    }

    /// <summary>Waits until at least <paramref name="count"/> records are acknowledged.</summary>
    public async Task WaitForAcksAsync(int count, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (Acknowledged().Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{_host.HostName}: the writer acknowledged {Acknowledged().Count} records, not {count}, within {timeout.TotalSeconds:0} s; " +
                    $"its journal:\n{await _host.JournalAsync(Unit)}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Stops the writer: the file is closed and the mount is no longer busy.</summary>
    public async Task StopAsync() => (await _host.SystemctlAsync("stop", Unit)).EnsureSuccess();

    /// <summary>
    /// Reads <c>records</c> as <paramref name="reader"/> sees it at <paramref name="mountPoint"/>
    /// and checks that every acknowledged record is there, intact. Returns how many were checked.
    /// </summary>
    public async Task<int> VerifyAsync(BootedHost reader, string mountPoint)
    {
        CommandResult read = (await reader.RunAsync("cat", mountPoint + "/records")).EnsureSuccess();
        var intact = new HashSet<long>();
        foreach (string line in read.StdOut.Split('\n'))
        {
            int last = line.LastIndexOf(' ');
            if (last <= 0 || !line.StartsWith(Tag + " ", StringComparison.Ordinal))
            {
                continue;
            }

            string body = line[..last];
            uint crc = Crc32(System.Text.Encoding.ASCII.GetBytes(body));
            if (string.Equals(line[(last + 1)..], crc.ToString("x8", CultureInfo.InvariantCulture), StringComparison.Ordinal))
            {
                intact.Add(long.Parse(body.Split(' ')[1], CultureInfo.InvariantCulture));
            }
        }

        long[] missing = Acknowledged().Select(a => a.Seq).Where(seq => !intact.Contains(seq)).ToArray();
        if (missing.Length > 0)
        {
            throw new InvalidOperationException(
                $"{missing.Length} acknowledged records of {Tag} are missing or damaged on {reader.HostName}:{mountPoint}/records (first: {string.Join(", ", missing.Take(10))})");
        }

        return Acknowledged().Count;
    }

    /// <summary>CRC-32 (IEEE, as Python's <c>zlib.crc32</c>).</summary>
    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int i = 0; i < 8; i++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }
}
