using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Xunit.Sdk;

namespace Rbdfence.Generator.Tests;

/// <summary>
/// Reads a generated unit file back the way systemd's parser sees it (one directive per
/// line, <c>[Section]</c> headers, <c>#</c> comments; a trailing backslash would continue a
/// line) and decodes values (<c>%%</c>, and Environment='s quoting and C escapes).
/// </summary>
internal sealed record UnitFile(IReadOnlyList<UnitFile.Directive> Directives)
{
    public sealed record Directive(string Section, string Key, string Value);

    public static UnitFile Parse(string text)
    {
        var directives = new List<Directive>();
        string section = string.Empty;
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                throw new XunitException($"line continues onto the next: '{line}'");
            }

            foreach (char c in line)
            {
                if (c < ' ' || c == '\u007f')
                {
                    throw new XunitException($"control character in '{line}'");
                }
            }

            if (line[0] == '[')
            {
                if (!line.EndsWith(']') || line.Length < 3)
                {
                    throw new XunitException($"malformed section header '{line}'");
                }

                section = line[1..^1];
                continue;
            }

            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || section.Length == 0)
            {
                throw new XunitException($"not a directive: '{line}'");
            }

            string key = line[..eq];
            foreach (char c in key)
            {
                if (!char.IsAsciiLetterOrDigit(c))
                {
                    throw new XunitException($"not a directive key: '{key}'");
                }
            }

            directives.Add(new Directive(section, key, line[(eq + 1)..]));
        }

        return new UnitFile(directives);
    }

    public IEnumerable<string> Keys()
    {
        foreach (Directive d in Directives)
        {
            yield return d.Section + "." + d.Key;
        }
    }

    public string Single(string section, string key)
    {
        string? found = null;
        foreach (Directive d in Directives)
        {
            if (d.Section == section && d.Key == key)
            {
                found = found is null ? d.Value : throw new XunitException($"{section}.{key} given twice");
            }
        }

        return found ?? throw new XunitException($"no {section}.{key}");
    }

    /// <summary>Environment= assignments, decoded as systemd does (specifiers, then unquote + C-unescape).</summary>
    public Dictionary<string, string> Environment()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Directive d in Directives)
        {
            if (d.Key != "Environment")
            {
                continue;
            }

            foreach (string word in Words(Unpercent(d.Value)))
            {
                int eq = word.IndexOf('=', StringComparison.Ordinal);
                result[word[..eq]] = word[(eq + 1)..];
            }
        }

        return result;
    }

    /// <summary>Reverses <c>%%</c>; any other <c>%</c> would be a specifier, which we never write.</summary>
    public static string Unpercent(string value)
    {
        var text = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == '%')
            {
                if (i + 1 >= value.Length || value[i + 1] != '%')
                {
                    throw new XunitException($"unescaped specifier in '{value}'");
                }

                i++;
            }

            text.Append(value[i]);
        }

        return text.ToString();
    }

    /// <summary>systemd's extract_first_word with EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE, for the escapes we write.</summary>
    private static List<string> Words(string value)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var bytes = new List<byte>();
        bool quoted = false;
        bool any = false;
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '\\')
            {
                char next = value[++i];
                if (next == 'x')
                {
                    bytes.Add(byte.Parse(value.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 2;
                    continue;
                }

                Flush(word, bytes);
                word.Append(next);
            }
            else if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (c == ' ' && !quoted)
            {
                Flush(word, bytes);
                if (word.Length > 0 || any)
                {
                    words.Add(word.ToString());
                }

                word.Clear();
                any = false;
            }
            else
            {
                Flush(word, bytes);
                word.Append(c);
            }
        }

        if (quoted)
        {
            throw new XunitException($"unbalanced quotes in '{value}'");
        }

        Flush(word, bytes);
        if (word.Length > 0 || any)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    private static void Flush(StringBuilder word, List<byte> bytes)
    {
        if (bytes.Count > 0)
        {
            word.Append(Encoding.UTF8.GetString(bytes.ToArray()));
            bytes.Clear();
        }
    }
}
