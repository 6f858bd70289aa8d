using System;
using System.Collections.Concurrent;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using Rbdfence.HeaderScraper.Clang;

namespace Rbdfence.HeaderScraper;

/// <summary>An object-like macro from one of the headers: its name and replacement text.</summary>
internal sealed partial record Macro(string Name, string Header, string Expression)
{
    private static readonly ConcurrentDictionary<string, byte[]> s_files = new(StringComparer.Ordinal);

    /// <summary>Reads the replacement text from the header itself, line continuations and runs of blanks collapsed.</summary>
    public static Macro Read(CXCursor definition, string header)
    {
        string name = Native.Spelling(definition);
        CXSourceRange extent = Interop.clang_getCursorExtent(definition);
        var (file, start) = Native.Location(Interop.clang_getRangeStart(extent));
        var (_, end) = Native.Location(Interop.clang_getRangeEnd(extent));
        byte[] text = s_files.GetOrAdd(file, File.ReadAllBytes);
        string definitionText = Encoding.UTF8.GetString(text, (int)start, (int)(end - start));
        string body = definitionText.StartsWith(name, StringComparison.Ordinal) ? definitionText[name.Length..] : definitionText;
        body = Blanks().Replace(body.Replace("\\\n", " ", StringComparison.Ordinal), " ").Trim();
        return new Macro(name, header, body);
    }

    /// <summary>Include guards, attribute macros and strings cannot be integer constants; don't ask clang.</summary>
    public bool MayBeInteger =>
        Expression.Length > 0
        && !Expression.Contains('"', StringComparison.Ordinal)
        && !Expression.Contains("__attribute__", StringComparison.Ordinal);

    [GeneratedRegex(@"\s+")]
    private static partial Regex Blanks();
}
