using System;
using System.IO;
using System.Text;

namespace Rbdfence.Mapping;

/// <summary>Reads the mount table (<c>/proc/self/mounts</c>).</summary>
internal static class MountTable
{
    /// <summary>True when <paramref name="path"/> is a mount point.</summary>
    public static bool IsMountPoint(string path, string mountsFile = "/proc/self/mounts")
    {
        string full = Path.GetFullPath(path).TrimEnd('/');
        foreach (string line in File.ReadAllLines(mountsFile))
        {
            string[] fields = line.Split(' ');
            if (fields.Length > 1 && string.Equals(Unescape(fields[1]), full, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Undoes the kernel's octal escapes (<c>\040</c> for a space, …).</summary>
    internal static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var builder = new StringBuilder(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length
                && IsOctal(field[i + 1]) && IsOctal(field[i + 2]) && IsOctal(field[i + 3]))
            {
                builder.Append((char)(((field[i + 1] - '0') * 64) + ((field[i + 2] - '0') * 8) + (field[i + 3] - '0')));
                i += 3;
            }
            else
            {
                builder.Append(field[i]);
            }
        }

        return builder.ToString();
    }

    private static bool IsOctal(char c) => c is >= '0' and <= '7';
}
