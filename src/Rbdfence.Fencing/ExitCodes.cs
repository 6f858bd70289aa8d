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
}
