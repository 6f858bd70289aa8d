using System;
using System.Collections.Generic;
using System.Text;

namespace Rbdfence.Table;

/// <summary>
/// One line of the table that says something: a volume, or why the line is skipped (bad
/// syntax, not UTF-8, a mount point or volume an earlier line already has). Blank lines and
/// comments are not lines here.
/// </summary>
/// <param name="Line">1-based line number in the table.</param>
/// <param name="Volume">The volume, when the line is good (and <paramref name="Error"/> is null).</param>
/// <param name="Error">Why the line is skipped, without the file name or line number.</param>
public sealed record TableLine(int Line, VolumeEntry? Volume, string? Error);

/// <summary>
/// The whole table, read the one way both its readers read it (rbdfence-generator, which
/// turns it into units, and <c>rbdfence list</c>, which reports on them): '\n'-separated
/// strictly-UTF-8 lines, each parsed by <see cref="TableParser"/>; the first line to use a
/// mount point or a volume has it, a later one is an error.
/// </summary>
public static class VolumeTable
{
    public const string DefaultPath = "/etc/ceph/rbdfencetab";

    /// <summary>
    /// The lines of <paramref name="content"/>, in order, lazily. A good line's volume is
    /// offered to <paramref name="claim"/> (when given) before it is yielded: only when that
    /// returns true does the line take its mount point and volume, so a volume the generator
    /// could not write units for leaves them to a later line, as it always did.
    /// </summary>
    public static IEnumerable<TableLine> Parse(byte[] content, Func<VolumeEntry, bool>? claim = null)
    {
        var mountPoints = new Dictionary<string, int>(StringComparer.Ordinal);
        var specs = new Dictionary<string, int>(StringComparer.Ordinal);
        int line = 0;
        foreach (string? text in Lines(content))
        {
            line++;
            if (text is null)
            {
                yield return new TableLine(line, null, "not valid UTF-8");
                continue;
            }

            if (!TableParser.TryParseLine(line, text, out VolumeEntry? volume, out string? error))
            {
                yield return new TableLine(line, null, error);
                continue;
            }

            if (volume is null)
            {
                continue;
            }

            if (mountPoints.TryGetValue(volume.MountPoint, out int first))
            {
                yield return new TableLine(line, null, $"mount point {volume.MountPoint} is already used by line {first}");
                continue;
            }

            if (specs.TryGetValue(volume.Spec, out first))
            {
                yield return new TableLine(line, null, $"volume {volume.Spec} is already listed on line {first}");
                continue;
            }

            if (claim is null || claim(volume))
            {
                mountPoints.Add(volume.MountPoint, line);
                specs.Add(volume.Spec, line);
            }

            yield return new TableLine(line, volume, null);
        }
    }

    /// <summary>The table's lines ('\n'-separated), each strictly UTF-8-decoded; null for a line that is not UTF-8.</summary>
    private static IEnumerable<string?> Lines(byte[] content)
    {
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        int start = 0;
        if (content.Length >= 3 && content[0] == 0xef && content[1] == 0xbb && content[2] == 0xbf)
        {
            start = 3;
        }

        while (start < content.Length)
        {
            int end = Array.IndexOf(content, (byte)'\n', start);
            if (end < 0)
            {
                end = content.Length;
            }

            string? text;
            try
            {
                text = utf8.GetString(content, start, end - start);
            }
            catch (DecoderFallbackException)
            {
                text = null;
            }

            yield return text;
            start = end + 1;
        }
    }
}
