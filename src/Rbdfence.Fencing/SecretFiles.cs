using System;
using System.Globalization;
using System.Runtime.InteropServices;
using Rbdfence.Linux;

namespace Rbdfence.Fencing;

/// <summary>
/// Refuses a file that decides who we are or what we mount (a keyring, the volume table)
/// when someone other than root or this user could have written it: owned by another user,
/// or writable by group or others. A key another user can replace is not this host's key,
/// and a table another user can edit decides what root mounts. The generator compiles this
/// same file.
/// </summary>
public static unsafe partial class SecretFiles
{
    /// <summary>
    /// Why <paramref name="path"/> (the <paramref name="what"/>, for the message) must not be
    /// trusted, in one line; null when it is fine or does not exist (a missing file is the
    /// reader's error to report).
    /// </summary>
    public static string? Problem(string path, string what)
    {
        byte* buffer = stackalloc byte[Statx.Size];
        if (Statx.Call(Statx.AT_FDCWD, path, 0, Statx.STATX_BASIC_STATS, buffer) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno == Errno.ENOENT ? null : string.Create(CultureInfo.InvariantCulture, $"cannot check the {what} {path} (errno {errno})");
        }

        uint owner = *(uint*)(buffer + Statx.Uid);
        int mode = *(ushort*)(buffer + Statx.Mode) & 0xfff;
        uint self = geteuid();
        if (owner != 0 && owner != self)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the {what} {path} is owned by uid {owner}, not by root or this user (uid {self}); refusing it");
        }

        if ((mode & 0b000_010_010) != 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the {what} {path} is writable by group or others (mode {Convert.ToString(mode, 8).PadLeft(4, '0')}); refusing it (chmod go-w)");
        }

        return null;
    }

    /// <summary><see cref="Problem"/> as an exception: <see cref="UnauthorizedAccessException"/> (the CLI's exit 77).</summary>
    public static void Check(string path, string what)
    {
        if (Problem(path, what) is { } problem)
        {
            throw new UnauthorizedAccessException(problem);
        }
    }

    // uid_t geteuid(void);
    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint geteuid();
}
