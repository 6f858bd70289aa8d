namespace Rbdfence.Linux;

/// <summary>
/// The Linux errno values rbdfence acts on (asm-generic/errno-base.h, asm-generic/errno.h;
/// the same on every architecture .NET runs Linux on). librados and librbd return them
/// negated; libc sets them for <c>Marshal.GetLastPInvokeError</c>.
/// </summary>
public static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int ENOMEM = 12;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ENOTTY = 25;
    public const int EROFS = 30;
    public const int ERANGE = 34;
    public const int ENAMETOOLONG = 36;
    public const int ENOSYS = 38;

    /// <summary>Also EOPNOTSUPP: Linux gives both names the same value.</summary>
    public const int ENOTSUP = 95;
    public const int ENOTCONN = 107;
    public const int ESHUTDOWN = 108;
    public const int ETIMEDOUT = 110;
    public const int ECONNREFUSED = 111;

    /// <summary>A RADOS compound op whose comparison failed: nothing of it was applied.</summary>
    public const int ECANCELED = 125;
}
