using System;
using System.Globalization;
using System.Text;

namespace Rbdfence.Faults;

/// <summary>
/// One record of the fault workload, a fixed-size ASCII line so that a torn, shifted or
/// foreign block shows as a line that does not parse:
/// <c>R host seq wall-ns payload crc32\n</c>, padded to <see cref="Size"/> bytes, where
/// the CRC-32 covers everything before it. 4096 is a multiple of <see cref="Size"/>, so a
/// record never straddles a file system block.
/// </summary>
public sealed record FaultRecord(string Host, long Sequence, long WallNs, string Payload)
{
    public const int Size = 128;

    private const int HostWidth = 24;
    private const int PayloadWidth = 56;

    /// <summary>The record as it goes to the file: exactly <see cref="Size"/> bytes.</summary>
    public byte[] Encode() => Encode(out _);

    /// <summary>The record as it goes to the file, and the CRC it carries (the ack log keeps it).</summary>
    public byte[] Encode(out uint crc)
    {
        string body = string.Create(CultureInfo.InvariantCulture,
            $"R {Host,-HostWidth} {Sequence:D10} {WallNs:D19} {Payload,-PayloadWidth} ");
        crc = Crc32.Of(Encoding.ASCII.GetBytes(body));
        string line = body + crc.ToString("x8", CultureInfo.InvariantCulture);
        if (line.Length > Size - 1)
        {
            throw new ArgumentException($"record too long ({line.Length} bytes): host or payload too long");
        }

        return Encoding.ASCII.GetBytes(line.PadRight(Size - 1) + "\n");
    }

    /// <summary>Parses one <see cref="Size"/>-byte slot; null when it is not a whole, intact record.</summary>
    public static FaultRecord? TryDecode(ReadOnlySpan<byte> slot)
    {
        if (slot.Length != Size || slot[^1] != (byte)'\n' || slot[0] != (byte)'R')
        {
            return null;
        }

        string line = Encoding.ASCII.GetString(slot[..^1]).TrimEnd(' ');
        string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 6 || parts[5].Length != 8)
        {
            return null;
        }

        int crcAt = line.Length - 8;
        if (!uint.TryParse(parts[5], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint crc)
            || Crc32.Of(Encoding.ASCII.GetBytes(line[..crcAt])) != crc
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out long seq)
            || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out long ns))
        {
            return null;
        }

        return new FaultRecord(parts[1], seq, ns, parts[4]);
    }

    /// <summary>A payload derived from host and sequence, so that a record copied under another number shows.</summary>
    public static string PayloadFor(string host, long sequence) =>
        Convert.ToHexStringLower(BitConverter.GetBytes(Crc32.Of(Encoding.ASCII.GetBytes($"{host}/{sequence}")))) +
        new string((char)('a' + (int)(sequence % 26)), 40);
}

/// <summary>CRC-32 (IEEE, reflected 0xEDB88320), small enough to keep here.</summary>
public static class Crc32
{
    private static readonly uint[] Table = Build();

    public static uint Of(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[] Build()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
