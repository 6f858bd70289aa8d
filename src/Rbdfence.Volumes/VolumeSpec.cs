using System;
using System.Diagnostics.CodeAnalysis;

namespace Rbdfence.Volumes;

/// <summary>
/// A volume as the rbd CLI spells it: <c>pool[/namespace]/image[@snapshot]</c>.
/// </summary>
public sealed record VolumeSpec(string Pool, string Namespace, string Image, string? Snapshot = null)
{
    /// <summary>An image head in the pool's default namespace.</summary>
    public VolumeSpec(string pool, string image)
        : this(pool, string.Empty, image)
    {
    }

    /// <summary>Parses <paramref name="text"/> or says in one line why it is not a volume spec.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out VolumeSpec? spec, [NotNullWhen(false)] out string? error)
    {
        spec = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "empty volume spec; expected pool[/namespace]/image";
            return false;
        }

        string? snapshot = null;
        int at = text.IndexOf('@', StringComparison.Ordinal);
        string path = text;
        if (at >= 0)
        {
            snapshot = text[(at + 1)..];
            path = text[..at];
            if (snapshot.Length == 0)
            {
                error = $"'{Escape(text)}': empty snapshot name after '@'";
                return false;
            }

            if (Printable.ContainsControl(snapshot))
            {
                error = $"'{Escape(text)}' contains a control character";
                return false;
            }
        }

        string[] parts = path.Split('/');
        if (parts.Length is < 2 or > 3)
        {
            error = $"'{Escape(text)}' is not a volume spec; expected pool[/namespace]/image";
            return false;
        }

        foreach (string part in parts)
        {
            if (part.Length == 0)
            {
                error = $"'{Escape(text)}' has an empty component; expected pool[/namespace]/image";
                return false;
            }

            if (Printable.ContainsControl(part))
            {
                error = $"'{Escape(text)}' contains a control character";
                return false;
            }
        }

        spec = parts.Length == 2
            ? new VolumeSpec(parts[0], string.Empty, parts[1], snapshot)
            : new VolumeSpec(parts[0], parts[1], parts[2], snapshot);
        error = null;
        return true;
    }

    /// <summary>Parses <paramref name="text"/>, throwing <see cref="FormatException"/> with the one-line reason.</summary>
    public static VolumeSpec Parse(string text) =>
        TryParse(text, out VolumeSpec? spec, out string? error) ? spec : throw new FormatException(error);

    /// <summary>
    /// The name of this volume's lease file in the state directory's <c>lease/</c>: read by
    /// rbdfence and, through the generated drop-in, by the unit's <c>ExecStopPost</c>.
    /// </summary>
    public string LeaseFileName => FileName + ".lease";

    /// <summary>The spec as one file name: every byte but letters, digits, '.', '_' and '-' percent-encoded.</summary>
    public string FileName
    {
        get
        {
            var name = new System.Text.StringBuilder();
            foreach (byte b in System.Text.Encoding.UTF8.GetBytes(ToString()))
            {
                if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'.' or (byte)'_' or (byte)'-')
                {
                    name.Append((char)b);
                }
                else
                {
                    name.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            return name.ToString();
        }
    }

    public override string ToString()
    {
        string path = Namespace.Length == 0 ? $"{Pool}/{Image}" : $"{Pool}/{Namespace}/{Image}";
        return Snapshot is null ? path : $"{path}@{Snapshot}";
    }

    /// <summary>For messages: the spec on one line, long ones cut.</summary>
    private static string Escape(string s) => Printable.Quote(s, shown: 200);
}
