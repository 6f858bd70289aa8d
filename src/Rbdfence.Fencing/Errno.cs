namespace Rbdfence.Fencing;

/// <summary>The Linux errno values librados and librbd return (negated) that rbdfence acts on.</summary>
public static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int EINVAL = 22;
    public const int EROFS = 30;
    public const int ERANGE = 34;
    public const int ENOTSUP = 95;
    public const int ENOTCONN = 107;
    public const int ESHUTDOWN = 108;
    public const int ETIMEDOUT = 110;
    public const int ECONNREFUSED = 111;

    public static string Describe(int errno) => errno switch
    {
        EPERM => "operation not permitted (check the client's caps and keyring)",
        ENOENT => "no such pool, namespace or image",
        EIO => "input/output error",
        EACCES => "permission denied (check the client's caps and keyring)",
        EBUSY => "lock is already held by someone else",
        EEXIST => "already exists",
        EINVAL => "invalid argument",
        EROFS => "read-only: the exclusive lock is held by a peer that will not release it",
        ERANGE => "buffer too small",
        ENOTSUP => "operation not supported",
        ESHUTDOWN => "this client is blocklisted (fenced) by the cluster",
        ETIMEDOUT => "timed out reaching the cluster",
        ECONNREFUSED => "connection refused by the cluster",
        _ => $"error {errno}",
    };
}
