using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;

namespace Rbdfence.Mapping;

/// <summary>Finds and signals processes through <c>/proc</c> and <c>kill(2)</c>.</summary>
internal static partial class LinuxProcesses
{
    public const int SIGTERM = 15;
    public const int SIGKILL = 9;

    /// <summary>The pids whose command line satisfies <paramref name="match"/> (zombies have none and never match).</summary>
    public static List<int> Find(Func<IReadOnlyList<string>, bool> match, string procRoot = "/proc")
    {
        var result = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories(procRoot))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid))
            {
                continue;
            }

            string[] argv = CommandLine(dir);
            if (argv.Length > 0 && match(argv))
            {
                result.Add(pid);
            }
        }

        return result;
    }

    /// <summary>The argv of a /proc/&lt;pid&gt; directory; empty when it is gone or a zombie.</summary>
    public static string[] CommandLine(string procPidDir)
    {
        try
        {
            string raw = File.ReadAllText(Path.Combine(procPidDir, "cmdline"));
            return raw.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Array.Empty<string>();
        }
    }

    /// <summary>Sends <paramref name="signal"/>; false when the process is gone.</summary>
    public static bool Signal(int pid, int signal) => kill(pid, signal) == 0;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
