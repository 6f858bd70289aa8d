using System;
using System.IO;

namespace Rbdfence.Mapping;

/// <summary>
/// The kernel's FUSE connections (<c>/sys/fs/fuse/connections/N</c>, N the mount's device
/// minor). Aborting one fails every pending and later request at once: the only way to
/// free a loop device and a file system stacked on a FUSE daemon that died or hangs, which
/// otherwise keep threads in uninterruptible sleep and a host from shutting down.
/// </summary>
public static class FuseConnections
{
    /// <summary>Aborts FUSE connection <paramref name="minor"/>; false when there is none (or no fusectl mounted).</summary>
    public static bool AbortConnection(string minor, string connections = "/sys/fs/fuse/connections")
    {
        try
        {
            File.WriteAllText(Path.Combine(connections, minor, "abort"), "1");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The device minor of the FUSE mount at <paramref name="mountDir"/> (mountinfo's "0:N").</summary>
    internal static string? MinorOf(string mountDir, string mountInfo)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(mountInfo);
        }
        catch (IOException)
        {
            return null;
        }

        foreach (string line in lines)
        {
            // id parent major:minor root mountpoint options ... - fstype source superoptions
            string[] f = line.Split(' ');
            if (f.Length > 4 && f[4] == mountDir && line.Contains(" - fuse", StringComparison.Ordinal))
            {
                int colon = f[2].IndexOf(':', StringComparison.Ordinal);
                return colon < 0 ? null : f[2][(colon + 1)..];
            }
        }

        return null;
    }
}
