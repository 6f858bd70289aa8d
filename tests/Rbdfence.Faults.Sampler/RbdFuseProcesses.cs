using System;
using System.Collections.Generic;
using System.IO;

namespace Rbdfence.Faults;

/// <summary>The rbd-fuse processes serving one image, from /proc (every namespace's processes are visible there).</summary>
public static class RbdFuseProcesses
{
    /// <summary>Every live rbd-fuse serving <paramref name="image"/>: pid and network namespace id (<c>net:[inode]</c>).</summary>
    public static List<(int Pid, string NetNs)> Of(string image)
    {
        var found = new List<(int, string)>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() != "rbd-fuse")
                {
                    continue;
                }

                // A zombie's command line is empty: it serves nothing any more.
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Contains(image, StringComparison.Ordinal))
                {
                    found.Add((pid, new FileInfo(Path.Combine(dir, "ns", "net")).LinkTarget ?? string.Empty));
                }
            }
            catch (IOException)
            {
                // exited meanwhile
            }
            catch (UnauthorizedAccessException)
            {
                // exited meanwhile
            }
        }

        return found;
    }
}
