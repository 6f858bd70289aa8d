using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Rbdfence.Mapping;

/// <summary>Reads the mount table (<c>/proc/self/mounts</c>).</summary>
public static class MountTable
{
    /// <summary>The mount points of <paramref name="device"/> (the mount table names the resolved device).</summary>
    public static List<string> MountPointsOf(string device, string mountsFile = "/proc/self/mounts")
    {
        string resolved = File.ResolveLinkTarget(device, returnFinalTarget: true)?.FullName ?? device;
        var points = new List<string>();
        foreach (string line in File.ReadAllLines(mountsFile))
        {
            string[] fields = line.Split(' ');
            if (fields.Length > 1 && (Unescape(fields[0]) == device || Unescape(fields[0]) == resolved))
            {
                points.Add(Unescape(fields[1]));
            }
        }

        return points;
    }

    /// <summary>
    /// Detaches every mount of <paramref name="device"/> lazily (<c>umount -l</c>): gone from
    /// the mount table at once, even while busy, so that nothing new is written through it.
    /// </summary>
    public static async Task DetachMountsOfAsync(string device, CancellationToken cancel, ICommandRunner? runner = null)
    {
        runner ??= new ProcessCommandRunner();
        List<string> points = MountPointsOf(device);
        points.Reverse(); // the most recent first, so stacked mounts come off in order
        foreach (string point in points)
        {
            await runner.RunAsync("umount", ["-l", point], TimeSpan.FromSeconds(10), cancel).ConfigureAwait(false);
        }
    }

    /// <summary>True when <paramref name="path"/> is a mount point.</summary>
    public static bool IsMountPoint(string path, string mountsFile = "/proc/self/mounts") =>
        MountPoints(mountsFile).Contains(Path.GetFullPath(path).TrimEnd('/'));

    /// <summary>Every mount point of the mount table.</summary>
    public static HashSet<string> MountPoints(string mountsFile = "/proc/self/mounts")
    {
        var points = new HashSet<string>(StringComparer.Ordinal);
        foreach (string line in File.ReadAllLines(mountsFile))
        {
            string[] fields = line.Split(' ');
            if (fields.Length > 1)
            {
                points.Add(Unescape(fields[1]));
            }
        }

        return points;
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
