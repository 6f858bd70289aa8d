using System;
using System.Collections.Generic;
using System.Globalization;

namespace Rbdfence.Fencing;

/// <summary>
/// What a holder writes into the image metadata (key <c>rbdfence.holder</c>, readable with
/// <c>rbd image-meta get</c>) once it serves the volume: which lock it holds (cookie and
/// locker entity), which host and boot since when, and the exact Ceph clients that do the
/// volume's I/O (the holder's own and the data path's). Peers decide liveness by those
/// clients' watches and fence exactly those clients, not every client of the holder's IP.
/// </summary>
public sealed record HolderRecord(string Cookie, string Locker, string HostName, string MachineId, string BootId, DateTimeOffset Since, IReadOnlyList<string> Clients)
{
    /// <summary>The image-metadata key.</summary>
    public const string MetadataKey = "rbdfence.holder";

    /// <summary>
    /// Where cls_rbd keeps <see cref="MetadataKey"/>: the header's omap key <c>metadata_</c> +
    /// the key, its value the text itself (NUL-terminated here, for librados).
    /// </summary>
    public static ReadOnlySpan<byte> OmapKeyUtf8 => "metadata_rbdfence.holder\0"u8;

    /// <summary>True when the record was written for exactly this lock.</summary>
    public bool Describes(LockerInfo locker) => locker.Cookie == Cookie && locker.Client == Locker;

    public string Format() => string.Create(CultureInfo.InvariantCulture,
        $"cookie={Cookie}\nlocker={Locker}\nhost={HostName}\nmachine={MachineId}\nboot={BootId}\nsince={Since.ToUnixTimeSeconds()}\nclients={string.Join(',', Clients)}\n");

    /// <summary>Reads a record; null when it is not one (a record that cannot be read proves nothing).</summary>
    public static HolderRecord? Parse(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n'))
        {
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                values[line[..eq]] = line[(eq + 1)..];
            }
        }

        if (!values.TryGetValue("cookie", out string? cookie) || !values.TryGetValue("locker", out string? locker)
            || !values.TryGetValue("clients", out string? clients)
            || !long.TryParse(values.GetValueOrDefault("since"), NumberStyles.None, CultureInfo.InvariantCulture, out long since))
        {
            return null;
        }

        return new HolderRecord(
            cookie,
            locker,
            values.GetValueOrDefault("host", string.Empty),
            values.GetValueOrDefault("machine", string.Empty),
            values.GetValueOrDefault("boot", string.Empty),
            DateTimeOffset.FromUnixTimeSeconds(since),
            clients.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
