using System;
using System.Collections.Generic;

namespace Rbdfence.Mapping;

/// <summary>
/// The INI dialect of ceph.conf and of keyrings (Ceph reads both with one parser): <c>[section]</c>
/// lines, <c>name = value</c> lines, '#' and ';' comments; names compare with '_' and '-'
/// as spaces.
/// </summary>
internal static class CephIni
{
    /// <summary>Every setting of <paramref name="text"/>, in order, with its section and normalized name.</summary>
    public static IEnumerable<(string Section, string Name, string Value)> Settings(string text, string firstSection = "global")
    {
        string section = firstSection;
        foreach (string rawLine in text.Split('\n'))
        {
            string line = rawLine.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                int end = line.IndexOf(']', StringComparison.Ordinal);
                section = end > 0 ? line[1..end].Trim() : string.Empty;
                continue;
            }

            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                yield return (section, line[..equals].Trim().Replace('_', ' ').Replace('-', ' '), line[(equals + 1)..].Trim());
            }
        }
    }
}
