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
    /// without starting a process: at shutdown every volume of a host lists them at once,
    /// and while it waits for its device to go, every 50 ms.
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
            string backFile;
            try
            {
                // Only an attached device has it; it goes when the device is cleared.
                backFile = File.ReadAllText(Path.Combine(entry, "loop", "backing_file"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            backFile = backFile.EndsWith('\n') ? backFile[..^1] : backFile;
            if (backFile.EndsWith(Deleted, StringComparison.Ordinal))
            {
                backFile = backFile[..^Deleted.Length];
            }

            bool readOnly;
            try
            {
                readOnly = File.ReadAllText(Path.Combine(entry, "ro")).Trim() == "1";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // detached between the two reads
            }

            result.Add(new LoopDevice("/dev/" + Path.GetFileName(entry), backFile, readOnly));
        }

        return result;
    }
}
