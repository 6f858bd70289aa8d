using System.Runtime.InteropServices;

namespace Rbdfence.Cli;

/// <summary>
/// Keeps the process's memory out of core dumps and away from ptrace by other users: the
/// cephx key is in librados' memory (and, while mapping with krbd, in ours) for as long as
/// the process runs.
/// </summary>
internal static partial class CoreDumps
{
    private const int PR_SET_DUMPABLE = 4;

    /// <summary>
    /// <c>prctl(PR_SET_DUMPABLE, 0)</c>: no core dump is written, <c>/proc/self/*</c> of
    /// this process becomes root's, and a non-root ptrace is refused. Returns the errno, 0 on success.
    /// </summary>
    public static int Disable() => prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : Marshal.GetLastPInvokeError();

    // int prctl(int option, unsigned long arg2, ...): variadic, but on x86_64 and arm64
    // (Linux) integer arguments of a variadic call travel in the same registers as a
    // fixed-arity call's, so a fixed signature works (as syscall() in LinuxKernelKeyring).
    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
