using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
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

    // What a file system type name is made of (mount(8)'s -t: ext4, fuse.sshfs, nfs4).
    private static readonly SearchValues<char> FsTypeChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-");

    // What the unit cannot pass on inside $RBDFENCE_CEPH_OPTIONS, which systemd splits at whitespace and unquotes.
    private static readonly SearchValues<char> QuotesAndBackslash = SearchValues.Create("\"'\\");

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

        var parsed = new VolumeEntry { Line = line };
        if (!TryParseSpec(fields[0], ref parsed, out error) ||
            !TryParseMountPoint(fields[1], ref parsed, out error) ||
            !TryParseFsType(fields[2], ref parsed, out error) ||
            !TryParseMountOptions(fields[3], ref parsed, out error) ||
            (fields.Length == 5 && !TryParseRbdfenceOptions(fields[4], ref parsed, out error)))
        {
            return false;
        }

        if (parsed.Mode == LockMode.Managed && !parsed.Backend.HoldsLockExclusively())
        {
            error = $"mode=managed needs a map that holds the lock exclusively (backend=krbd or nbd), not backend={OptionNames.Of(parsed.Backend)}";
            return false;
        }

        entry = parsed;
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


    private static bool TryParseSpec(string spec, ref VolumeEntry to, out string? error)
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

        to = to with { Spec = spec };
        return true;
    }

    private static bool TryParseMountPoint(string path, ref VolumeEntry to, out string? error)
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

        to = to with { MountPoint = simple };
        error = null;
        return true;
    }

    private static bool TryParseFsType(string type, ref VolumeEntry to, out string? error)
    {
        if (type.AsSpan().ContainsAnyExcept(FsTypeChars))
        {
            error = $"file system type '{type}' is not a type name";
            return false;
        }

        if (type is "swap" or "none")
        {
            error = $"file system type '{type}' cannot be mounted from a fenced volume";
            return false;
        }

        to = to with { FsType = type };
        error = null;
        return true;
    }

    private static bool TryParseMountOptions(string field, ref VolumeEntry to, out string? error)
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
                    // The mount is then not ordered Before=remote-fs.target, which would hold
                    // up boot (as in fstab); kept in Options= for whoever reads the unit.
                    to = to with { NoFail = true, MountOptions = [.. to.MountOptions, option] };
                    break;
                case "noauto":
                    to = to with { NoAuto = true };
                    break;
                case "auto":
                    to = to with { NoAuto = false };
                    break;
                case "ro":
                    to = to with { ReadOnly = true, MountOptions = [.. to.MountOptions, option] };
                    break;
                case "rw":
                    to = to with { ReadOnly = false, MountOptions = [.. to.MountOptions, option] };
                    break;
                case "x-systemd.requires":
                    if (!TryDependency(key, value, pathSuffix: null, out string? unit, out error))
                    {
                        return false;
                    }

                    to = unit is null ? to with { RequiresMountsFor = [.. to.RequiresMountsFor, value] } : to with { Requires = [.. to.Requires, unit] };
                    break;
                case "x-systemd.requires-mounts-for":
                    if (!TryPath(key, value, out string? path, out error))
                    {
                        return false;
                    }

                    to = to with { RequiresMountsFor = [.. to.RequiresMountsFor, path] };
                    break;
                case "x-systemd.after":
                case "x-systemd.before":
                    if (!TryDependency(key, value, pathSuffix: ".mount", out unit, out error))
                    {
                        return false;
                    }

                    to = key == "x-systemd.after" ? to with { After = [.. to.After, unit!] } : to with { Before = [.. to.Before, unit!] };
                    break;
                case "x-systemd.wanted-by":
                case "x-systemd.required-by":
                    if (!UnitNames.IsValid(value, allowTemplate: false))
                    {
                        error = $"{key}: '{value}' is not a unit name";
                        return false;
                    }

                    to = key == "x-systemd.wanted-by" ? to with { WantedBy = [.. to.WantedBy, value] } : to with { RequiredBy = [.. to.RequiredBy, value] };
                    break;
                default:
                    if (key.StartsWith("x-systemd.", StringComparison.Ordinal))
                    {
                        error = $"mount option '{option}' is not supported for fenced volumes";
                        return false;
                    }

                    to = to with { MountOptions = [.. to.MountOptions, option] };
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

    private static bool TryParseRbdfenceOptions(string field, ref VolumeEntry to, out string? error)
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

                    to = to with { Id = value };
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

                    to = key == "keyring" ? to with { Keyring = path } : to with { Conf = path };

                    break;
                case "mode":
                    if (!OptionNames.TryParse(value, out LockMode mode))
                    {
                        error = $"mode '{value}' is not {OptionNames.Choices<LockMode>()}";
                        return false;
                    }

                    to = to with { Mode = mode };

                    break;
                case "backend":
                    if (!OptionNames.TryParse(value, out MapBackend backend))
                    {
                        error = $"backend '{value}' is not {OptionNames.Choices<MapBackend>()}";
                        return false;
                    }

                    to = to with { Backend = backend };

                    break;
                case "wait":
                    if (value == "infinity")
                    {
                        to = to with { WaitSeconds = null };
                    }
                    else if (OptionValues.TryParseSeconds("wait", value, OptionValues.Wait, out _, out string waitError))
                    {
                        to = to with { WaitSeconds = value };
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

                    to = to with { GraceSeconds = value };
                    break;
                case "blocklist-expiry":
                    if (!OptionValues.TryParseSeconds("blocklist-expiry", value, OptionValues.BlocklistExpiry, out _, out error))
                    {
                        return false;
                    }

                    to = to with { BlocklistExpirySeconds = value };
                    break;
                case "cookie":
                    switch (value)
                    {
                        case "rbdfence": to = to with { KubeletCookie = false }; break;
                        case "kubelet": to = to with { KubeletCookie = true }; break;
                        default:
                            error = $"cookie '{value}' is not rbdfence or kubelet";
                            return false;
                    }

                    break;
                case "connection":
                    switch (value)
                    {
                        case "own": to = to with { SharedConnection = false }; break;
                        case "shared": to = to with { SharedConnection = true }; break;
                        default:
                            error = $"connection '{value}' is not own or shared";
                            return false;
                    }

                    break;
                default:
                    error = $"unknown rbdfence option '{key}' (known: id, keyring, conf, mode, wait, backend, grace, blocklist-expiry, cookie, connection)";
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

    private static bool IsPlainWord(string s) =>
        !s.AsSpan().ContainsAny(QuotesAndBackslash) && !s.Any(char.IsWhiteSpace);
}
