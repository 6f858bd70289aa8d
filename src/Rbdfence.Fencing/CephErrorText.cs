using Rbdfence.Linux;

namespace Rbdfence.Fencing;

/// <summary>What an errno from librados or librbd means to an operator, in words.</summary>
public static class CephErrorText
{
    public static string Describe(int errno) => errno switch
    {
        Errno.EPERM => "operation not permitted (check the client's caps and keyring)",
        Errno.ENOENT => "no such pool, namespace or image",
        Errno.EIO => "input/output error",
        Errno.EACCES => "permission denied (check the client's caps and keyring)",
        Errno.EBUSY => "lock is already held by someone else",
        Errno.EEXIST => "already exists",
        Errno.EINVAL => "invalid argument",
        Errno.EROFS => "read-only: the exclusive lock is held by a peer that will not release it",
        Errno.ERANGE => "buffer too small",
        Errno.ENOTSUP => "operation not supported",
        Errno.ESHUTDOWN => "this client is blocklisted (fenced) by the cluster",
        Errno.ETIMEDOUT => "timed out reaching the cluster",
        Errno.ECONNREFUSED => "connection refused by the cluster",
        _ => $"error {errno}",
    };
}
