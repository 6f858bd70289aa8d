using System;
using System.Collections.Generic;
using System.IO;
using Rbdfence.Table;

namespace Rbdfence.Cli;

/// <summary>What is mounted on this host: the mount points of <c>/proc/self/mountinfo</c>.</summary>
internal static class MountPoints
{
    public const string MountInfo = "/proc/self/mountinfo";

    /// <summary>Every mount point (field 5, fstab-escaped: <c>\040</c> for a space); empty when the file cannot be read.</summary>
    public static HashSet<string> Read(string path = MountInfo)
    {
        var points = new HashSet<string>(StringComparer.Ordinal);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return points;
        }

        foreach (string line in lines)
        {
            string[] fields = line.Split(' ');
            if (fields.Length > 4 && TableParser.TryUnescape(fields[4], out string point, out _))
            {
                points.Add(point);
            }
        }

        return points;
    }
}
