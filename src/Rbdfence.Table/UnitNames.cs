using System;
using System.Collections.Generic;
using System.Text;

namespace Rbdfence.Table;

/// <summary>
/// Unit file names exactly as systemd spells them: <c>unit_name_escape</c> (what
/// <c>systemd-escape</c> prints), <c>unit_name_path_escape</c> (<c>systemd-escape --path</c>)
/// and <c>unit_name_is_valid</c>. <c>systemd-escape</c> is the oracle in the tests.
/// </summary>
public static class UnitNames
{
    /// <summary>systemd's UNIT_NAME_MAX is 256 including the terminating NUL.</summary>
    public const int MaxLength = 255;

    /// <summary>The shipped service template (units/rbdfence@.service): one instance per volume.</summary>
    public const string ServiceTemplate = "rbdfence@.service";

    /// <summary>Where the holder links the mapped device (<c>/dev/rbdN</c>, <c>/dev/nbdN</c>, a loop device).</summary>
    public const string DeviceDirectory = "/run/rbdfence/dev/";

    /// <summary>NAME_MAX: the longest file name (one path component), in bytes.</summary>
    private const int MaxComponentBytes = 255;

    /// <summary>PATH_MAX: a valid path is shorter than this, in bytes.</summary>
    private const int MaxPathBytes = 4096;

    private static readonly string[] UnitTypes =
    [
        "service", "socket", "target", "device", "mount", "automount", "swap", "timer", "path", "slice", "scope",
    ];

    /// <summary>
    /// <c>unit_name_escape</c>: <c>/</c> becomes <c>-</c>; a leading <c>.</c>, <c>-</c>, <c>\</c>
    /// and every byte (of the UTF-8 encoding) outside <c>[A-Za-z0-9:_.]</c> becomes <c>\xNN</c>.
    /// </summary>
    public static string Escape(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var result = new StringBuilder(bytes.Length + 8);
        for (int i = 0; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            if (i == 0 && b == (byte)'.')
            {
                AppendHex(result, b);
            }
            else if (b == (byte)'/')
            {
                result.Append('-');
            }
            else if (IsPlainChar(b))
            {
                result.Append((char)b);
            }
            else
            {
                AppendHex(result, b);
            }
        }

        return result.ToString();
    }

    /// <summary>
    /// <c>systemd-escape --path</c>: the path must be valid (absolute here, no component
    /// longer than NAME_MAX, shorter than PATH_MAX) and, once simplified (duplicate slashes,
    /// <c>.</c> components and the trailing slash dropped), contain no <c>..</c>. The root is
    /// <c>-</c>; otherwise leading and trailing slashes are dropped and the rest escaped.
    /// </summary>
    public static bool TryEscapePath(string path, out string escaped, out string error)
    {
        escaped = string.Empty;
        if (!TrySimplifyPath(path, out string simple, out error))
        {
            return false;
        }

        escaped = simple == "/" ? "-" : Escape(simple[1..]);
        return true;
    }

    /// <summary>
    /// <c>path_simplify</c> plus the checks <c>systemd-escape --path</c> and
    /// <c>unit_name_from_path</c> make: absolute, valid, normalized.
    /// </summary>
    public static bool TrySimplifyPath(string path, out string simple, out string error)
    {
        simple = string.Empty;
        if (path.Length == 0 || path[0] != '/')
        {
            error = "not an absolute path";
            return false;
        }

        if (Encoding.UTF8.GetByteCount(path) >= MaxPathBytes)
        {
            error = "path too long";
            return false;
        }

        var parts = new List<string>();
        foreach (string part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                error = "path is not normalized (contains '..')";
                return false;
            }

            if (Encoding.UTF8.GetByteCount(part) > MaxComponentBytes)
            {
                error = "a path component is longer than 255 bytes";
                return false;
            }

            parts.Add(part);
        }

        simple = "/" + string.Join('/', parts);
        error = string.Empty;
        return true;
    }

    /// <summary>The <c>.mount</c> unit for <paramref name="mountPoint"/> (<c>systemd-escape --path --suffix=mount</c>).</summary>
    public static bool TryMountUnit(string mountPoint, out string unit, out string error)
    {
        unit = string.Empty;
        if (!TryEscapePath(mountPoint, out string escaped, out error))
        {
            return false;
        }

        unit = escaped + ".mount";
        if (unit.Length > MaxLength)
        {
            error = $"its unit name would be {unit.Length} characters long, systemd allows {MaxLength}";
            unit = string.Empty;
            return false;
        }

        return true;
    }

    /// <summary>The service instance for a volume spec, e.g. <c>rbdfence@rbd-ns1-vol1.service</c>.</summary>
    public static string ServiceOf(string spec) =>
        TryInstance(ServiceTemplate, spec, out string unit, out string error) ? unit : throw new ArgumentException(error, nameof(spec));

    /// <summary>The mount unit for a mount point, e.g. <c>mnt-data.mount</c>.</summary>
    public static string MountUnitOf(string mountPoint) =>
        TryMountUnit(mountPoint, out string unit, out string error) ? unit : throw new ArgumentException(error, nameof(mountPoint));

    /// <summary>The stable device path the mount unit mounts: <c>/run/rbdfence/dev/ESCAPED-SPEC</c>.</summary>
    public static string DeviceOf(string spec) => DeviceDirectory + Escape(spec);

    /// <summary>
    /// <c>template</c> instantiated with the escaped <paramref name="instance"/>, as
    /// <c>systemd-escape --template=TEMPLATE INSTANCE</c> prints it (which also refuses a name
    /// longer than systemd allows).
    /// </summary>
    public static bool TryInstance(string template, string instance, out string unit, out string error)
    {
        unit = string.Empty;
        int at = template.IndexOf("@.", StringComparison.Ordinal);
        if (at <= 0)
        {
            error = $"'{template}' is not a template unit name";
            return false;
        }

        string name = string.Concat(template.AsSpan(0, at + 1), Escape(instance), template.AsSpan(at + 1));
        if (instance.Length == 0 || !IsValid(name, allowTemplate: false))
        {
            error = $"its unit name would be {name.Length} characters long, systemd allows {MaxLength}";
            return false;
        }

        unit = name;
        error = string.Empty;
        return true;
    }

    /// <summary>
    /// <c>unit_name_is_valid</c>: a non-empty prefix of <c>[A-Za-z0-9:_.\-]</c> (and <c>\</c>
    /// from escapes), at most one <c>@</c> with a non-empty instance (or none, for a template
    /// when <paramref name="allowTemplate"/>), and a known type suffix; at most 255 characters.
    /// </summary>
    public static bool IsValid(string name, bool allowTemplate)
    {
        if (name.Length is 0 or > MaxLength)
        {
            return false;
        }

        int dot = name.LastIndexOf('.');
        if (dot <= 0 || Array.IndexOf(UnitTypes, name[(dot + 1)..]) < 0)
        {
            return false;
        }

        string stem = name[..dot];
        int at = stem.IndexOf('@', StringComparison.Ordinal);
        if (at == 0 || (at > 0 && stem.IndexOf('@', at + 1) >= 0))
        {
            return false;
        }

        if (at == stem.Length - 1 && !allowTemplate)
        {
            return false;
        }

        foreach (char c in stem)
        {
            if (c != '@' && c != '-' && c != '\\' && (c > 0x7f || !IsPlainChar((byte)c)))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsPlainChar(byte b) =>
        b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
            or (byte)':' or (byte)'_' or (byte)'.';

    private static void AppendHex(StringBuilder to, byte b)
    {
        const string Hex = "0123456789abcdef";
        to.Append('\\').Append('x').Append(Hex[b >> 4]).Append(Hex[b & 0xf]);
    }
}
