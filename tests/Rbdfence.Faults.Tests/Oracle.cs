using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Rbdfence.TestCluster;

namespace Rbdfence.Faults.Tests;

/// <summary>What one writer process logged outside the volume: its acknowledged records and how it ended.</summary>
public sealed class WriterLog
{
    private WriterLog(string label, string host, List<(long Seq, long WallNs, uint Crc, long AckNs)> acks, string? end)
    {
        Label = label;
        Host = host;
        Acks = acks;
        End = end;
    }

    /// <summary>The writer's name in its records (<c>host/session</c>).</summary>
    public string Label { get; }

    /// <summary>The host identity it ran on.</summary>
    public string Host { get; }

    public IReadOnlyList<(long Seq, long WallNs, uint Crc, long AckNs)> Acks { get; }

    /// <summary>The last line when it is <c>FAIL ...</c> or <c>STOP ...</c>; null when the writer was killed or is still running.</summary>
    public string? End { get; }

    public bool Failed => End?.StartsWith("FAIL", StringComparison.Ordinal) == true;

    public static WriterLog Read(string label, string host, string path)
    {
        var acks = new List<(long, long, uint, long)>();
        string? end = null;
        foreach (string line in File.ReadAllLines(path))
        {
            string[] p = line.Split(' ');
            if (p[0] == "ACK" && p.Length == 5)
            {
                acks.Add((long.Parse(p[1], CultureInfo.InvariantCulture), long.Parse(p[2], CultureInfo.InvariantCulture),
                    uint.Parse(p[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture), long.Parse(p[4], CultureInfo.InvariantCulture)));
            }
            else if (p[0] is "FAIL" or "STOP")
            {
                end = line;
            }
        }

        return new WriterLog(label, host, acks, end);
    }
}

/// <summary>The oracle's findings: counts for the summary line, and every violation in words.</summary>
public sealed record OracleReport(int RecordsOnImage, int Acknowledged, int Verified, int FsckExit, IReadOnlyList<string> Violations);

/// <summary>
/// Checks, after a scenario, what is on the image against what the writers were told:
/// maps the image read-only on a host that took no part (rbd-fuse + a read-only loop
/// device, in that host's namespace), runs <c>fsck.ext4 -n -f</c> on the device, mounts it
/// <c>ro,noload</c> and reads the record file. Violations:
/// an acknowledged record missing or different; a slot that is not an intact record
/// (torn, foreign, zeros); a record twice; a record its writer never attempted (its
/// sequence beyond the last acknowledged + 1); a record of a fenced host written after
/// the moment it was fenced (its wall clock, taken just before the write, later than
/// the cutoff); fsck finding errors; and every double hold the sampler saw.
/// </summary>
public static class Oracle
{
    public const string RecordFile = "records";

    public static async Task<OracleReport> CheckAsync(
        FaultCluster cluster,
        string volume,
        IReadOnlyList<WriterLog> writers,
        IReadOnlyDictionary<string, long> fencedAtNsByHost,
        SamplerReport? sampler)
    {
        (byte[] data, int fsck) = await ReadImageAsync(cluster, volume);
        var violations = new List<string>();
        if (fsck != 0)
        {
            violations.Add($"fsck.ext4 -n exited {fsck}: the file system is damaged");
        }

        if (data.Length % FaultRecord.Size != 0)
        {
            violations.Add($"the record file is {data.Length} bytes, not a whole number of {FaultRecord.Size}-byte records");
        }

        var onImage = new Dictionary<(string, long), FaultRecord>();
        int records = 0;
        for (int offset = 0; offset + FaultRecord.Size <= data.Length; offset += FaultRecord.Size)
        {
            FaultRecord? r = FaultRecord.TryDecode(data.AsSpan(offset, FaultRecord.Size));
            if (r is null)
            {
                violations.Add($"slot at byte {offset} is not an intact record: '{Printable(data.AsSpan(offset, FaultRecord.Size))}'");
                continue;
            }

            records++;
            if (!onImage.TryAdd((r.Host, r.Sequence), r))
            {
                violations.Add($"record {r.Host} #{r.Sequence} is on the image twice");
            }

            if (r.Payload != FaultRecord.PayloadFor(r.Host, r.Sequence))
            {
                violations.Add($"record {r.Host} #{r.Sequence} carries another record's payload");
            }
        }

        int acknowledged = 0, verified = 0;
        foreach (WriterLog w in writers)
        {
            long lastAck = w.Acks.Count > 0 ? w.Acks[^1].Seq : 0;
            foreach ((long seq, long wallNs, uint crc, _) in w.Acks)
            {
                acknowledged++;
                if (!onImage.TryGetValue((w.Label, seq), out FaultRecord? r))
                {
                    violations.Add($"acknowledged record {w.Label} #{seq} is missing from the image");
                }
                else if (r.WallNs != wallNs || CrcOf(r) != crc)
                {
                    violations.Add($"acknowledged record {w.Label} #{seq} differs on the image");
                }
                else
                {
                    verified++;
                }
            }

            foreach (FaultRecord r in onImage.Values.Where(r => r.Host == w.Label && r.Sequence > lastAck + 1))
            {
                violations.Add($"record {w.Label} #{r.Sequence} is on the image but its writer never got past #{lastAck + 1}");
            }

            if (fencedAtNsByHost.TryGetValue(w.Host, out long cutoff))
            {
                foreach (FaultRecord r in onImage.Values.Where(r => r.Host == w.Label && r.WallNs > cutoff).OrderBy(r => r.Sequence))
                {
                    violations.Add($"record {w.Label} #{r.Sequence} of fenced host {w.Host} was written " +
                        $"{(r.WallNs - cutoff) / 1e6:0} ms after the host was fenced");
                }
            }
        }

        foreach (string d in sampler?.DoubleHolds ?? [])
        {
            violations.Add("double hold at " + d);
        }

        return new OracleReport(records, acknowledged, verified, fsck, violations);
    }

    private static uint CrcOf(FaultRecord r)
    {
        r.Encode(out uint crc);
        return crc;
    }

    /// <summary>Maps the image read-only on the oracle host and returns the record file and fsck's exit code.</summary>
    private static async Task<(byte[] Data, int Fsck)> ReadImageAsync(FaultCluster cluster, string volume)
    {
        FaultHost reader = cluster.Host(FaultCluster.OracleHost);
        string image = volume[(volume.LastIndexOf('/') + 1)..];
        string pool = volume[..volume.IndexOf('/', StringComparison.Ordinal)];
        string work = Directory.CreateTempSubdirectory("rbdfence-oracle.").FullName;
        string fuse = Path.Combine(work, "fuse"), mnt = Path.Combine(work, "mnt");
        Directory.CreateDirectory(fuse);
        Directory.CreateDirectory(mnt);
        string? device = null;
        try
        {
            // rbd-fuse mounts in the reader's own mount namespace (ip netns exec makes one);
            // the loop device over its file is global, so the rest happens here.
            CommandResult map = await reader.RunAsync("sh", "-c",
                $"rbd-fuse -c {cluster.Cluster.ConfPath} -p {pool} -r {image} {fuse} </dev/null >/dev/null 2>&1 || exit 1; " +
                $"for i in $(seq 150); do [ -e {fuse}/{image} ] && break; sleep 0.1; done; " +
                $"losetup --find --show --read-only {fuse}/{image}");
            device = map.EnsureSuccess().StdOut.Trim();
            CommandResult fsck = await Local.RunAsync("fsck.ext4", "-n", "-f", device);
            (await Local.RunAsync("mount", "-o", "ro,noload", device, mnt)).EnsureSuccess();
            try
            {
                string file = Path.Combine(mnt, RecordFile);
                return (File.Exists(file) ? await File.ReadAllBytesAsync(file) : [], fsck.ExitCode);
            }
            finally
            {
                await Local.RunAsync("umount", mnt);
            }
        }
        finally
        {
            if (device is not null)
            {
                await Local.RunAsync("losetup", "-d", device);
            }

            foreach ((int pid, _, string cmdline) in Local.RbdFuseOf(image))
            {
                if (cmdline.Contains(fuse, StringComparison.Ordinal))
                {
                    Local.Kill("TERM", pid);
                }
            }

            await WaitGoneAsync(image, fuse);
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task WaitGoneAsync(string image, string fuse)
    {
        for (int i = 0; i < 50 && Local.RbdFuseOf(image).Any(p => p.CommandLine.Contains(fuse, StringComparison.Ordinal)); i++)
        {
            await Task.Delay(100);
        }
    }

    private static string Printable(ReadOnlySpan<byte> slot)
    {
        var chars = new char[Math.Min(slot.Length, 60)];
        for (int i = 0; i < chars.Length; i++)
        {
            chars[i] = slot[i] is >= 0x20 and < 0x7f ? (char)slot[i] : '.';
        }

        return new string(chars);
    }
}
