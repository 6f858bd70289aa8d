using System;
using System.IO;

namespace Rbdfence.Holding;

/// <summary>
/// The stable path a mount unit names (<c>/run/rbdfence/dev/&lt;escaped spec&gt;</c>), a
/// symbolic link to whatever device the volume is mapped to now.
/// </summary>
public static class DeviceLink
{
    /// <summary>
    /// Points <paramref name="link"/> at <paramref name="device"/>. A new link is renamed over
    /// any old one, so a reader sees the old target or the new one, never no link at all.
    /// </summary>
    public static void Replace(string link, string device)
    {
        ArgumentException.ThrowIfNullOrEmpty(link);
        ArgumentException.ThrowIfNullOrEmpty(device);
        string full = Path.GetFullPath(link);
        string directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        File.Delete(temporary);
        File.CreateSymbolicLink(temporary, device);
        try
        {
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Removes <paramref name="link"/>; with <paramref name="device"/>, only while it still
    /// points there, so a newer mapping's link is left alone. True when removed.
    /// </summary>
    public static bool Remove(string link, string? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(link);
        if (new FileInfo(link).LinkTarget is not { } target)
        {
            return false;
        }

        if (device is not null && !string.Equals(target, device, StringComparison.Ordinal))
        {
            return false;
        }

        File.Delete(link);
        return true;
    }
}
