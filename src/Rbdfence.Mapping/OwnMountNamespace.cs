using System.Collections.Generic;

namespace Rbdfence.Mapping;

/// <summary>
/// Runs rbd-fuse in a mount namespace of its own, so that its exit can never wait on itself.
/// <para>
/// When the last process of a mount namespace exits, the kernel unmounts the namespace's
/// file systems during that exit, before the process's open files (its <c>/dev/fuse</c>
/// among them) are released. If that process is rbd-fuse and the namespace holds the ext4
/// on the loop device on rbd-fuse's own file, the unmount flushes the ext4 to the one
/// process that can no longer answer: the exit hangs in uninterruptible sleep for good,
/// and a container killed as a whole (every process at once, rbd-fuse with the most
/// threads dying last) can never finish stopping.
/// </para>
/// <para>
/// In a namespace of its own rbd-fuse is that namespace's only process, and the namespace
/// never holds a file system stacked on it: the volume's file system is mounted later, in
/// the host's namespace, and a private namespace receives nothing from it. The FUSE mount
/// lives only in rbd-fuse's namespace; the host reaches the image file through
/// <c>/proc/PID/root</c>, and the loop device's back file still reads the mount path (the
/// kernel names it as rbd-fuse's namespace sees it). The new namespace starts as a copy of
/// the host's mounts of that moment, other volumes' file systems among them; kept, they
/// would pin those file systems after the host unmounts them (their loop devices busy, the
/// unmap stuck), so the copies on loop, rbd and nbd devices, and any other rbd-fuse mount,
/// are detached before rbd-fuse starts.
/// </para>
/// </summary>
internal static class OwnMountNamespace
{
    /// <summary>The tool that starts a process in a new private mount namespace (util-linux).</summary>
    public const string Launcher = "unshare";

    /// <summary>The launcher's arguments to run <paramref name="tool"/> with <paramref name="arguments"/> there.</summary>
    public static List<string> Arguments(string tool, IEnumerable<string> arguments)
    {
        var result = new List<string> { "--mount", "--propagation", "private", "--", "/bin/bash", "-c", DetachThenExec, "rbdfence-mount-namespace", tool };
        result.AddRange(arguments);
        return result;
    }

    /// <summary>The path under which the host sees <paramref name="path"/> of process <paramref name="pid"/>'s mount namespace.</summary>
    public static string PathFromHost(int pid, string path) => $"/proc/{pid}/root{path}";

    // mountinfo: ID PARENT MAJ:MIN ROOT TARGET OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS,
    // with space, tab, newline and backslash escaped as octal. One umount for all (a detached
    // parent takes its children along, so a later target may be gone: not an error here).
    private const string DetachThenExec = """
        set -f
        targets=()
        while IFS= read -r line; do
            rest=${line#* - }
            fstype=${rest%% *}
            rest=${rest#* }
            source=${rest%% *}
            case "$source" in
                /dev/loop*|/dev/rbd*|/dev/nbd*) ;;
                *) [ "$fstype" = fuse.rbd-fuse ] || continue ;;
            esac
            fields=(${line%% - *})
            target=${fields[4]}
            target=${target//\\040/ }; target=${target//\\011/$'\t'}; target=${target//\\012/$'\n'}; target=${target//\\134/\\}
            targets+=("$target")
        done < /proc/self/mountinfo
        if [ ${#targets[@]} -gt 0 ]; then umount --lazy -- "${targets[@]}" 2>/dev/null; fi
        exec "$@"
        """;
}
