using System.Collections.Generic;
using Microsoft.CodeAnalysis.Text;

namespace Rbdfence.Interop.Generator;

/// <summary>
/// Reads NativeMethods.txt: one name per line; blank lines and lines starting with
/// <c>#</c> or <c>//</c> are ignored, as is anything after such a marker on a line.
/// </summary>
internal static class NativeMethodsFile
{
    public const string FileName = "NativeMethods.txt";

    public static IReadOnlyList<NativeMethodsEntry> Parse(string path, SourceText? text)
    {
        var entries = new List<NativeMethodsEntry>();
        if (text is null)
        {
            return entries;
        }

        foreach (var line in text.Lines)
        {
            var raw = line.ToString();
            var end = raw.Length;
            var hash = raw.IndexOf('#');
            if (hash >= 0)
            {
                end = hash;
            }

            var slashes = raw.IndexOf("//", System.StringComparison.Ordinal);
            if (slashes >= 0 && slashes < end)
            {
                end = slashes;
            }

            var start = 0;
            while (start < end && char.IsWhiteSpace(raw[start]))
            {
                start++;
            }

            while (end > start && char.IsWhiteSpace(raw[end - 1]))
            {
                end--;
            }

            if (end == start)
            {
                continue;
            }

            var span = new TextSpan(line.Start + start, end - start);
            var lineNumber = line.LineNumber;
            entries.Add(new NativeMethodsEntry(
                raw.Substring(start, end - start),
                path,
                span,
                new LinePositionSpan(new LinePosition(lineNumber, start), new LinePosition(lineNumber, end))));
        }

        return entries;
    }
}
