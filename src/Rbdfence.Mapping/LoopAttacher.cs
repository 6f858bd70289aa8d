using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Rbdfence.Mapping;

/// <summary>
/// Attaches a file to a free loop device with <c>losetup</c>.
/// <para>
/// <c>losetup --find</c> asks the kernel for its first free loop device, creating one if
/// needed; on a host, devtmpfs makes its node at once. A container's /dev is filled once,
/// when it starts (systemd-nspawn, a privileged pod): a loop device the kernel made later
/// has no node there, and losetup fails with "No such file or directory". Every holder of
/// a host starting at once asks for loop devices past the ones that were there (issue 11:
/// 9 of 20 volumes mounted, 0 of 50). Then the nodes that are there are tried in turn,
/// skipping those attached, as several holders race for them.
/// </para>
/// </summary>
internal sealed class LoopAttacher(ICommandRunner runner, TimeSpan timeout, MapLog? log, string devRoot = "/dev")
{
    /// <summary>Attaches <paramref name="file"/> and returns the device (<c>/dev/loopN</c>).</summary>
    /// <param name="attached">Lists the loop devices attached now (<see cref="LoopDevices.FromSysfs"/>).</param>
    public async Task<string> AttachAsync(string file, bool readOnly, Func<CancellationToken, Task<IReadOnlyList<LoopDevice>>> attached, CancellationToken cancellationToken)
    {
        CommandOutput found = await SetUpAsync(readOnly, ["--find", "--show"], file, cancellationToken).ConfigureAwait(false);
        if (IsDevice(found))
        {
            return found.StdOut.Trim();
        }

        if (!IsMissingNode(found))
        {
            throw new MapException($"losetup could not attach {file}: {Describe(found)}");
        }

        var inUse = (await attached(cancellationToken).ConfigureAwait(false)).Select(l => l.Device).ToHashSet(StringComparer.Ordinal);
        List<string> free = Nodes().Where(node => !inUse.Contains(node)).ToList();
        log?.Invoke(MapLogLevel.Information,
            $"fuse: the kernel's first free loop device has no node in {devRoot} ({found.Message}); trying the {free.Count} free of the nodes there");
        CommandOutput? last = null;
        foreach (string node in free)
        {
            last = await SetUpAsync(readOnly, [node], file, cancellationToken).ConfigureAwait(false);
            if (last.Succeeded)
            {
                return node;
            }

            // Taken by another holder since the listing: EBUSY. Anything else is this file's
            // problem, and the next node would fail the same way.
            if (!last.Message.Contains("busy", StringComparison.OrdinalIgnoreCase))
            {
                break;
            }
        }

        throw new MapException(last is null
            ? $"losetup could not attach {file}: {Describe(found)}, and none of the loop device nodes in {devRoot} is free " +
              "(in a container, give it more /dev/loopN)"
            : $"losetup could not attach {file} to any free loop device node in {devRoot}: {Describe(last)}");
    }

    private Task<CommandOutput> SetUpAsync(bool readOnly, IEnumerable<string> how, string file, CancellationToken cancellationToken)
    {
        var arguments = new List<string>(how);
        if (readOnly)
        {
            arguments.Add("--read-only");
        }

        arguments.Add(file);
        return runner.RunAsync("losetup", arguments, timeout, cancellationToken);
    }

    /// <summary>The loop device nodes in /dev, lowest number first (loop-control and partitions aside).</summary>
    private IEnumerable<string> Nodes() =>
        Directory.EnumerateFileSystemEntries(devRoot, "loop*")
            .Select(path => (path, number: NumberOf(Path.GetFileName(path))))
            .Where(n => n.number >= 0)
            .OrderBy(n => n.number)
            .Select(n => n.path);

    private static int NumberOf(string name) =>
        name.Length > 4 && int.TryParse(name.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out int number) ? number : -1;

    private static bool IsDevice(CommandOutput output) =>
        output.Succeeded && output.StdOut.Trim().StartsWith("/dev/", StringComparison.Ordinal);

    // util-linux: "losetup: FILE: failed to set up loop device: No such file or directory".
    // The file itself exists (the caller waited for it), so the missing thing is the node.
    private static bool IsMissingNode(CommandOutput output) =>
        !output.TimedOut && output.ExitCode != 0 && output.Message.Contains("No such file or directory", StringComparison.Ordinal);

    private static string Describe(CommandOutput output) =>
        output.TimedOut ? "timed out" : $"exit {output.ExitCode}: {output.Message}";
}
