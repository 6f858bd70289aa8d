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
/// a host that took no part exports a copy of the image, which is mounted as a takeover
/// would mount it, checked with <c>fsck.ext4 -n -f</c> and read (see
/// <see cref="ReadImageAsync"/>). Violations:
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

    /// <summary>
    /// Reads the image as the next holder would see it: a copy of it (exported by the oracle
    /// host, so the image itself is never touched) is mounted read-write once, which replays
    /// the ext4 journal exactly as a real takeover's mount does (a read-only <c>noload</c>
    /// mount would skip it and miss every record whose size update is still only in the
    /// journal), then checked with <c>fsck.ext4 -n -f</c> and read. Returns the record file
    /// and fsck's exit code.
    /// </summary>
    private static async Task<(byte[] Data, int Fsck)> ReadImageAsync(FaultCluster cluster, string volume)
    {
        FaultHost reader = cluster.Host(FaultCluster.OracleHost);
        string work = Directory.CreateTempSubdirectory("rbdfence-oracle.").FullName;
        string copy = Path.Combine(work, "image"), mnt = Path.Combine(work, "mnt");
        Directory.CreateDirectory(mnt);
        string? device = null;
        try
        {
            (await reader.RunAsync("rbd", "-c", cluster.Cluster.ConfPath, "export", "--no-progress", volume, copy)).EnsureSuccess();
            device = (await Local.RunAsync("losetup", "--find", "--show", copy)).EnsureSuccess().StdOut.Trim();
            (await Local.RunAsync("mount", "-t", "ext4", device, mnt)).EnsureSuccess();
            (await Local.RunAsync("umount", mnt)).EnsureSuccess();
            CommandResult fsck = await Local.RunAsync("fsck.ext4", "-n", "-f", device);
            (await Local.RunAsync("mount", "-o", "ro", device, mnt)).EnsureSuccess();
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

            Directory.Delete(work, recursive: true);
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
