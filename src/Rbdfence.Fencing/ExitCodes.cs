using Rbdfence.Linux;

namespace Rbdfence.Fencing;

/// <summary>
/// Exit codes a systemd unit can act on (sysexits.h values, so they don't collide with
/// signals or the shell's 126/127). Documented in <c>docs/CLI.md</c>.
/// </summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Any failure not listed below.</summary>
    public const int Failure = 1;

    /// <summary>Bad usage: unknown option, malformed volume spec.</summary>
    public const int Usage = 64;

    /// <summary>Refused as unsafe: the lock mode doesn't fit the image or the data path.</summary>
    public const int Unsafe = 65;

    /// <summary>Pool, namespace or image does not exist.</summary>
    public const int NoSuchVolume = 66;

    /// <summary>The cluster can't be reached (bounded connect timeout).</summary>
    public const int Unreachable = 69;

    /// <summary>
    /// Release refused: the device is still mapped (or its process alive) on this host, so
    /// this host can still write the image; the lock stays until it is provably gone.
    /// </summary>
    public const int LockKept = 74;

    /// <summary>Held by a live peer: try again later (also: --wait timed out).</summary>
    public const int Contended = 75;

    /// <summary>Permission denied: wrong key or missing caps.</summary>
    public const int PermissionDenied = 77;

    /// <summary>This host was fenced (blocklisted) or its lock was broken.</summary>
    public const int Fenced = 78;

    /// <summary>
    /// Every code with its meaning in a few words: the one list the CLI's help prints, and
    /// that the unit template's comment and <c>docs/CLI.md</c> are tested against.
    /// </summary>
    public static readonly (int Code, string Meaning)[] All =
    [
        (Ok, "ok"),
        (Failure, "failure"),
        (Usage, "usage"),
        (Unsafe, "unsafe combination refused"),
        (NoSuchVolume, "no such volume"),
        (Unreachable, "cluster unreachable"),
        (LockKept, "lock kept (the device is still mapped here)"),
        (Contended, "held by a live peer (try again later)"),
        (PermissionDenied, "permission denied"),
        (Fenced, "fenced"),
    ];

    /// <summary>What an errno from librados or librbd means as an exit code: the one mapping every verb (and list) uses.</summary>
    public static int ForErrno(int errno) => errno switch
    {
        Errno.ENOENT => NoSuchVolume,
        Errno.EACCES or Errno.EPERM => PermissionDenied,
        Errno.ETIMEDOUT or Errno.ECONNREFUSED => Unreachable,
        Errno.ESHUTDOWN => Fenced,
        Errno.EBUSY => Contended,
        _ => Failure,
    };
}
