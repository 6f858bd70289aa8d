using System;
using System.Globalization;
using System.Text;

namespace Rbdfence.Volumes;

/// <summary>
/// Untrusted text (a volume spec, a table field, an option value) quoted in a message: one
/// rule for the CLI, the table parser and the generator's log, so a hostile value can never
/// break a message, a journal line or a unit file into two.
/// </summary>
public static class Printable
{
    /// <summary>True when <paramref name="text"/> holds a control character (C0, DEL or C1).</summary>
    public static bool ContainsControl(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (char.IsControl(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// <paramref name="text"/> with every control character, line or paragraph separator and
    /// surrogate as <c>\xNN</c>, cut after <paramref name="shown"/> characters (then "...").
    /// </summary>
    public static string Quote(string text, int shown = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(shown);
        bool cut = text.Length > shown;
        ReadOnlySpan<char> kept = cut ? text.AsSpan(0, shown) : text;
        if (!cut && !NeedsEscape(kept))
        {
            return text;
        }

        var builder = new StringBuilder(kept.Length + 8);
        foreach (char c in kept)
        {
            if (IsEscaped(c))
            {
                builder.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return cut ? builder.Append("...").ToString() : builder.ToString();
    }

    private static bool IsEscaped(char c) => char.IsControl(c) || c is '\u2028' or '\u2029' || char.IsSurrogate(c);

    private static bool NeedsEscape(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (IsEscaped(c))
            {
                return true;
            }
        }

        return false;
    }
}
