using System;
using System.Collections.Generic;
using System.Text;
using Rbdfence.Cli;
using Rbdfence.Volumes;

namespace Rbdfence.Table;

/// <summary>
/// Parses one line of the volume table (<c>/etc/ceph/rbdfencetab</c>):
/// <c>SPEC MOUNTPOINT FSTYPE MOUNTOPTIONS [RBDFENCEOPTIONS]</c>, whitespace-separated, with
/// fstab's octal escapes (<c>\040</c> for a space). Everything is validated here, so that
/// nothing a line contains can reach a unit file unchecked; a bad line yields one message.
/// </summary>
public static class TableParser
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Parses <paramref name="text"/> (line <paramref name="line"/>, 1-based). Returns false with
    /// <paramref name="error"/> set for a bad line; true with <paramref name="entry"/> null for a
    /// blank line or a comment.
    /// </summary>
    public static bool TryParseLine(int line, string text, out VolumeEntry? entry, out string? error)
    {
        entry = null;
        error = null;
        if (text.EndsWith('\r'))
        {
            text = text[..^1];
        }

        string trimmed = text.Trim(' ', '\t');
        if (trimmed.Length == 0 || trimmed[0] == '#')
        {
            return true;
        }

        string[] raw = trimmed.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (raw.Length < 4)
        {
            error = "expected SPEC MOUNTPOINT FSTYPE MOUNTOPTIONS [RBDFENCEOPTIONS], found " + raw.Length + (raw.Length == 1 ? " field" : " fields");
            return false;
        }

        if (raw.Length > 5)
        {
            error = $"expected at most 5 fields, found {raw.Length}";
            return false;
        }

        var fields = new string[raw.Length];
        for (int i = 0; i < raw.Length; i++)
        {
            if (!TryUnescape(raw[i], out fields[i], out error))
            {
                return false;
            }

            if (Printable.ContainsControl(fields[i]))
            {
                error = $"field {i + 1} '{Printable.Quote(fields[i])}' contains a control character";
                return false;
            }
        }

        var builder = new EntryBuilder { Line = line };
        if (!TryParseSpec(fields[0], builder, out error) ||
            !TryParseMountPoint(fields[1], builder, out error) ||
            !TryParseFsType(fields[2], builder, out error) ||
            !TryParseMountOptions(fields[3], builder, out error) ||
            (fields.Length == 5 && !TryParseRbdfenceOptions(fields[4], builder, out error)))
        {
            return false;
        }

        if (builder.Mode == LockMode.Managed && builder.Backend == MapBackend.Fuse)
        {
            error = "mode=managed needs a map that holds the lock exclusively (backend=krbd or nbd), not backend=fuse";
            return false;
        }

        entry = builder.Build();
        return true;
    }

    /// <summary>fstab's escapes (libmount <c>unmangle</c>): <c>\NNN</c> (three octal digits) is that byte.</summary>
    public static bool TryUnescape(string field, out string value, out string? error)
    {
        value = field;
        error = null;
        if (field.IndexOf('\\', StringComparison.Ordinal) < 0)
        {
            return true;
        }

        byte[] input = Encoding.UTF8.GetBytes(field);
        var output = new List<byte>(input.Length);
        for (int i = 0; i < input.Length; i++)
        {
            if (input[i] == (byte)'\\' && i + 3 < input.Length && IsOctal(input[i + 1]) && IsOctal(input[i + 2]) && IsOctal(input[i + 3]))
            {
                int b = ((input[i + 1] - '0') << 6) | ((input[i + 2] - '0') << 3) | (input[i + 3] - '0');
                if (b > 0xff)
                {
                    error = $"'{Printable.Quote(field)}': escape \\{(char)input[i + 1]}{(char)input[i + 2]}{(char)input[i + 3]} is not a byte";
                    return false;
                }

                output.Add((byte)b);
                i += 3;
            }
            else
            {
                output.Add(input[i]);
            }
        }

        try
        {
            value = StrictUtf8.GetString(output.ToArray());
            return true;
        }
        catch (DecoderFallbackException)
        {
            error = $"'{Printable.Quote(field)}' is not valid UTF-8 once unescaped";
            return false;
        }
    }


    private static bool TryParseSpec(string spec, EntryBuilder to, out string? error)
    {
        if (!VolumeSpec.TryParse(spec, out VolumeSpec? volume, out error))
        {
            return false;
        }

        if (volume.Snapshot is not null)
        {
            error = $"volume '{spec}' names a snapshot; snapshots are read-only and need no fencing";
            return false;
        }

        if (!UnitNames.TryInstance(UnitNames.ServiceTemplate, spec, out _, out string why))
        {
            error = $"volume '{spec}': {why}";
            return false;
        }

        to.Spec = spec;
        return true;
    }

    private static bool TryParseMountPoint(string path, EntryBuilder to, out string? error)
    {
        if (!UnitNames.TrySimplifyPath(path, out string simple, out string why))
        {
            error = $"mount point '{path}': {why}";
            return false;
        }

        if (simple == "/")
        {
            error = "the root file system cannot be a fenced volume";
            return false;
        }

        char last = simple[^1];
        if (last is '\\' or ' ' or '\t' || char.IsWhiteSpace(last))
        {
            // A unit file line ending in '\' continues on the next line, and trailing
            // whitespace is stripped: Where= could not say this path.
            error = $"mount point '{path}' ends in whitespace or a backslash, which a unit file cannot express";
            return false;
        }

        if (!UnitNames.TryMountUnit(simple, out _, out why))
        {
            error = $"mount point '{path}': {why}";
            return false;
        }

        to.MountPoint = simple;
        error = null;
        return true;
    }

    private static bool TryParseFsType(string type, EntryBuilder to, out string? error)
    {
        foreach (char c in type)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '+' or '-'))
            {
                error = $"file system type '{type}' is not a type name";
                return false;
            }
        }

        if (type is "swap" or "none")
        {
            error = $"file system type '{type}' cannot be mounted from a fenced volume";
            return false;
        }

        to.FsType = type;
        error = null;
        return true;
    }

    private static bool TryParseMountOptions(string field, EntryBuilder to, out string? error)
    {
        error = null;
        foreach (string option in SplitOptions(field))
        {
            int eq = option.IndexOf('=', StringComparison.Ordinal);
            string key = eq < 0 ? option : option[..eq];
            string value = eq < 0 ? string.Empty : option[(eq + 1)..];
            if (eq >= 0 && value.Length == 0)
            {
                error = $"mount option '{option}' has an empty value";
                return false;
            }

            switch (key)
            {
                case "nofail":
                    to.NoFail = true;
                    // Kept in Options=: systemd reads it there and then does not order the
                    // mount Before=remote-fs.target, which would hold up boot (as in fstab).
                    to.MountOptions.Add(option);
                    break;
                case "noauto":
                    to.NoAuto = true;
                    break;
                case "auto":
                    to.NoAuto = false;
                    break;
                case "ro":
                    to.ReadOnly = true;
                    to.MountOptions.Add(option);
                    break;
                case "rw":
                    to.ReadOnly = false;
                    to.MountOptions.Add(option);
                    break;
                case "x-systemd.requires":
                    if (!TryDependency(key, value, pathSuffix: null, out string? unit, out error))
                    {
                        return false;
                    }

                    (unit is null ? to.RequiresMountsFor : to.Requires).Add(unit ?? value);
                    break;
                case "x-systemd.requires-mounts-for":
                    if (!TryPath(key, value, out string? path, out error))
                    {
                        return false;
                    }

                    to.RequiresMountsFor.Add(path);
                    break;
                case "x-systemd.after":
                case "x-systemd.before":
                    if (!TryDependency(key, value, pathSuffix: ".mount", out unit, out error))
                    {
                        return false;
                    }

                    (key == "x-systemd.after" ? to.After : to.Before).Add(unit!);
                    break;
                case "x-systemd.wanted-by":
                case "x-systemd.required-by":
                    if (!UnitNames.IsValid(value, allowTemplate: false))
                    {
                        error = $"{key}: '{value}' is not a unit name";
                        return false;
                    }

                    (key == "x-systemd.wanted-by" ? to.WantedBy : to.RequiredBy).Add(value);
                    break;
                default:
                    if (key.StartsWith("x-systemd.", StringComparison.Ordinal))
                    {
                        error = $"mount option '{option}' is not supported for fenced volumes";
                        return false;
                    }

                    to.MountOptions.Add(option);
                    break;
            }
        }

        if (to.MountOptions.Count > 0 && to.MountOptions[^1].EndsWith('\\'))
        {
            error = "mount options end in a backslash, which a unit file cannot express";
            return false;
        }

        return true;
    }

    /// <summary>A unit name as is, or an absolute path: as a mount unit (<paramref name="pathSuffix"/>) or, when null, reported as a path (<paramref name="unit"/> null).</summary>
    private static bool TryDependency(string key, string value, string? pathSuffix, out string? unit, out string? error)
    {
        unit = null;
        error = null;
        if (value.StartsWith('/'))
        {
            if (!TryPath(key, value, out string? path, out error))
            {
                return false;
            }

            if (pathSuffix is null)
            {
                return true;
            }

            if (!UnitNames.TryMountUnit(path, out string mount, out string why))
            {
                error = $"{key}: '{value}': {why}";
                return false;
            }

            unit = mount;
            return true;
        }

        if (!UnitNames.IsValid(value, allowTemplate: false))
        {
            error = $"{key}: '{value}' is neither a unit name nor an absolute path";
            return false;
        }

        unit = value;
        return true;
    }

    private static bool TryPath(string key, string value, out string path, out string? error)
    {
        error = null;
        if (!UnitNames.TrySimplifyPath(value, out path, out string why))
        {
            error = $"{key}: '{value}': {why}";
            return false;
        }

        return true;
    }

    private static bool TryParseRbdfenceOptions(string field, EntryBuilder to, out string? error)
    {
        error = null;
        if (field is "-" or "defaults")
        {
            return true;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string option in field.Split(','))
        {
            if (option.Length == 0)
            {
                continue;
            }

            int eq = option.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == option.Length - 1)
            {
                error = $"rbdfence option '{option}' is not key=value";
                return false;
            }

            string key = option[..eq];
            string value = option[(eq + 1)..];
            if (!seen.Add(key))
            {
                error = $"rbdfence option '{key}' is given twice";
                return false;
            }

            switch (key)
            {
                case "id":
                    if (!OptionValues.TryParseCephId("id", value, out string idError))
                    {
                        error = idError;
                        return false;
                    }

                    to.Id = value;
                    break;
                case "keyring":
                case "conf":
                    if (!UnitNames.TrySimplifyPath(value, out string path, out string why))
                    {
                        error = $"{key} '{value}': {why}";
                        return false;
                    }

                    if (!IsPlainWord(path))
                    {
                        // The unit passes it inside $RBDFENCE_CEPH_OPTIONS, which systemd splits at
                        // whitespace and unquotes: such a path would not arrive intact.
                        error = $"{key} '{value}' contains whitespace, a quote or a backslash, which rbdfence's unit cannot pass on";
                        return false;
                    }

                    if (key == "keyring")
                    {
                        to.Keyring = path;
                    }
                    else
                    {
                        to.Conf = path;
                    }

                    break;
                case "mode":
                    switch (value)
                    {
                        case "auto": to.Mode = LockMode.Auto; break;
                        case "advisory": to.Mode = LockMode.Advisory; break;
                        case "managed": to.Mode = LockMode.Managed; break;
                        default:
                            error = $"mode '{value}' is not auto, advisory or managed";
                            return false;
                    }

                    break;
                case "backend":
                    switch (value)
                    {
                        case "krbd": to.Backend = MapBackend.Krbd; break;
                        case "nbd": to.Backend = MapBackend.Nbd; break;
                        case "fuse": to.Backend = MapBackend.Fuse; break;
                        default:
                            error = $"backend '{value}' is not krbd, nbd or fuse";
                            return false;
                    }

                    break;
                case "wait":
                    if (value == "infinity")
                    {
                        to.WaitSeconds = null;
                    }
                    else if (OptionValues.TryParseSeconds("wait", value, OptionValues.Wait, out _, out string waitError))
                    {
                        to.WaitSeconds = value;
                    }
                    else
                    {
                        error = waitError.Replace("takes a number of seconds,", "takes a number of seconds or 'infinity',", StringComparison.Ordinal);
                        return false;
                    }

                    break;
                case "grace":
                    if (!OptionValues.TryParseSeconds("grace", value, OptionValues.Grace, out _, out error))
                    {
                        return false;
                    }

                    to.GraceSeconds = value;
                    break;
                case "blocklist-expiry":
                    if (!OptionValues.TryParseSeconds("blocklist-expiry", value, OptionValues.BlocklistExpiry, out _, out error))
                    {
                        return false;
                    }

                    to.BlocklistExpirySeconds = value;
                    break;
                case "cookie":
                    switch (value)
                    {
                        case "rbdfence": to.KubeletCookie = false; break;
                        case "kubelet": to.KubeletCookie = true; break;
                        default:
                            error = $"cookie '{value}' is not rbdfence or kubelet";
                            return false;
                    }

                    break;
                default:
                    error = $"unknown rbdfence option '{key}' (known: id, keyring, conf, mode, wait, backend, grace, blocklist-expiry, cookie)";
                    return false;
            }
        }

        return true;
    }

    /// <summary>Comma-separated options, commas inside double quotes kept (libmount's rule, e.g. SELinux <c>context="a,b"</c>).</summary>
    private static List<string> SplitOptions(string field)
    {
        var result = new List<string>();
        bool quoted = false;
        int start = 0;
        for (int i = 0; i <= field.Length; i++)
        {
            if (i < field.Length && field[i] == '"')
            {
                quoted = !quoted;
            }
            else if (i == field.Length || (field[i] == ',' && !quoted))
            {
                if (i > start)
                {
                    result.Add(field[start..i]);
                }

                start = i + 1;
            }
        }

        return result;
    }

    private static bool IsOctal(byte b) => b is >= (byte)'0' and <= (byte)'7';


    private static bool IsPlainWord(string s)
    {
        foreach (char c in s)
        {
            if (char.IsWhiteSpace(c) || c is '"' or '\'' or '\\')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Mutable accumulator for one line; <see cref="Build"/> freezes it.</summary>
    private sealed class EntryBuilder
    {
        public int Line { get; init; }

        public string Spec { get; set; } = string.Empty;

        public string MountPoint { get; set; } = string.Empty;

        public string FsType { get; set; } = string.Empty;

        public List<string> MountOptions { get; } = [];

        public bool NoFail { get; set; }

        public bool NoAuto { get; set; }

        public bool ReadOnly { get; set; }

        public List<string> Requires { get; } = [];

        public List<string> RequiresMountsFor { get; } = [];

        public List<string> After { get; } = [];

        public List<string> Before { get; } = [];

        public List<string> WantedBy { get; } = [];

        public List<string> RequiredBy { get; } = [];

        public string? Id { get; set; }

        public string? Keyring { get; set; }

        public string? Conf { get; set; }

        public LockMode Mode { get; set; }

        public string? WaitSeconds { get; set; }

        public MapBackend Backend { get; set; }

        public string? GraceSeconds { get; set; }

        public string? BlocklistExpirySeconds { get; set; }

        public bool KubeletCookie { get; set; }

        public VolumeEntry Build() => new()
        {
            Line = Line,
            Spec = Spec,
            MountPoint = MountPoint,
            FsType = FsType,
            MountOptions = MountOptions,
            NoFail = NoFail,
            NoAuto = NoAuto,
            ReadOnly = ReadOnly,
            Requires = Requires,
            RequiresMountsFor = RequiresMountsFor,
            After = After,
            Before = Before,
            WantedBy = WantedBy,
            RequiredBy = RequiredBy,
            Id = Id,
            Keyring = Keyring,
            Conf = Conf,
            Mode = Mode,
            WaitSeconds = WaitSeconds,
            Backend = Backend,
            GraceSeconds = GraceSeconds,
            BlocklistExpirySeconds = BlocklistExpirySeconds,
            KubeletCookie = KubeletCookie,
        };
    }
}
