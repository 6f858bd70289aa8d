using System;
using System.Collections.Generic;
using System.IO;

namespace Rbdfence.Mapping;

/// <summary>One attached loop device, as <c>losetup -l</c> lists it.</summary>
/// <param name="Device">The device, e.g. <c>/dev/loop3</c>.</param>
/// <param name="BackFile">The file behind it (without a trailing <c> (deleted)</c>).</param>
/// <param name="ReadOnly">True for a read-only loop.</param>
public sealed record LoopDevice(string Device, string BackFile, bool ReadOnly);

/// <summary>The attached loop devices, read from sysfs.</summary>
public static class LoopDevices
{
    private const string Deleted = " (deleted)";

    /// <summary>
    /// The attached loop devices as the kernel shows them under <paramref name="sysBlock"/>
    /// (what <c>losetup -l</c> itself reads: <c>loopN/loop/backing_file</c> and <c>loopN/ro</c>),
    /// without starting a process: at shutdown every volume of a host lists them at once.
    /// </summary>
    public static IReadOnlyList<LoopDevice> FromSysfs(string sysBlock = "/sys/block")
    {
        var result = new List<LoopDevice>();
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateFileSystemEntries(sysBlock, "loop*");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return result;
        }

        foreach (string entry in entries)
        {
            if (Read(entry) is { } loop)
            {
                result.Add(loop);
            }
        }

        return result;
    }

    /// <summary>
    /// <paramref name="device"/> (<c>/dev/loopN</c>) as attached now, or null when it is not
    /// attached: one device's two files, for a holder waiting for its own device to go.
    /// </summary>
    public static LoopDevice? Of(string device, string sysBlock = "/sys/block") =>
        Read(Path.Combine(sysBlock, Path.GetFileName(device)));

    private static LoopDevice? Read(string entry)
    {
        // Only an attached device has it; it goes when the device is cleared. Checked first:
        // most devices of a host are free, and a failed read costs an exception each.
        string backFilePath = Path.Combine(entry, "loop", "backing_file");
        if (!File.Exists(backFilePath))
        {
            return null;
        }

        string backFile;
        bool readOnly;
        try
        {
            backFile = File.ReadAllText(backFilePath);
            readOnly = File.ReadAllText(Path.Combine(entry, "ro")).Trim() == "1";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // detached meanwhile
        }

        backFile = backFile.EndsWith('\n') ? backFile[..^1] : backFile;
        if (backFile.EndsWith(Deleted, StringComparison.Ordinal))
        {
            backFile = backFile[..^Deleted.Length];
        }

        return new LoopDevice("/dev/" + Path.GetFileName(entry), backFile, readOnly);
    }
}
