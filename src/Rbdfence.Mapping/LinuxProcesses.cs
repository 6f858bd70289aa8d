using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Rbdfence.Mapping;

/// <summary>Finds and signals processes through <c>/proc</c> and <c>kill(2)</c>.</summary>
internal static partial class LinuxProcesses
{
    public const int SIGTERM = 15;
    public const int SIGKILL = 9;

    /// <summary>
    /// The pids of <paramref name="program"/> (the kernel's name of the process, <c>comm</c>:
    /// the executable's file name) whose command line satisfies <paramref name="match"/>;
    /// zombies have none and never match. A host has hundreds of processes and every holder
    /// looks for its own at once at boot and at shutdown: <c>comm</c> is compared in a
    /// reused buffer, and only a hit's command line is read (reading one takes the memory
    /// lock of a process that may be busy starting).
    /// </summary>
    public static List<int> Find(string program, Func<IReadOnlyList<string>, bool> match, string procRoot = "/proc")
    {
        var result = new List<int>();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            foreach (string dir in Directory.EnumerateDirectories(procRoot))
            {
                if (!int.TryParse(Path.GetFileName(dir.AsSpan()), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                    || !IsNamed(Path.Join(dir, "comm"), program, buffer))
                {
                    continue;
                }

                string[] argv = CommandLine(dir);
                if (argv.Length > 0 && match(argv))
                {
                    result.Add(pid);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return result;
    }

    /// <summary>Whether <paramref name="comm"/> reads <paramref name="program"/> (ASCII, at most 15 characters).</summary>
    private static bool IsNamed(string comm, string program, byte[] buffer)
    {
        int length;
        try
        {
            using SafeFileHandle handle = File.OpenHandle(comm);
            length = RandomAccess.Read(handle, buffer, 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        ReadOnlySpan<byte> name = buffer.AsSpan(0, length).TrimEnd((byte)'\n');
        if (name.Length != program.Length)
        {
            return false;
        }

        for (int i = 0; i < name.Length; i++)
        {
            if (name[i] != program[i])
            {
                return false;
            }
        }

        return true;
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

    /// <summary>True while process <paramref name="pid"/> runs (false once gone or a zombie).</summary>
    public static bool IsRunning(int pid, string procRoot = "/proc") =>
        CommandLine(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture))).Length > 0;

    /// <summary>Sends <paramref name="signal"/>; false when the process is gone.</summary>
    public static bool Signal(int pid, int signal) => kill(pid, signal) == 0;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
