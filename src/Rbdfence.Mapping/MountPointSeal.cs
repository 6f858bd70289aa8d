using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Rbdfence.Linux;
using static Rbdfence.Linux.Statx;

namespace Rbdfence.Mapping;

/// <summary>
/// Makes a volume's mount point refuse writes while the volume is not mounted on it. An
/// unmounted mount point is an ordinary directory of the root file system: a pod (hostPath)
/// or a container bind mount that writes there writes to the root disk, and those writes
/// vanish from view the moment the volume mounts over them. An immutable directory
/// (<c>chattr +i</c>, FS_IMMUTABLE_FL) takes no new entries, from this host or from any
/// mount namespace that sees it, while a mount over it works as before and shows the
/// volume's own, writable root. The flag is kept on disk, so it survives reboots, and
/// <c>acquire</c> sets it again at every start (tmpfs and new directories).
/// </summary>
public static unsafe partial class MountPointSeal
{
    private const int O_RDONLY = 0, O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000;
    private const uint FS_IOC_GETFLAGS = 0x80086601, FS_IOC_SETFLAGS = 0x40086602;
    private const int FS_IMMUTABLE_FL = 0x10;

    /// <summary>
    /// Seals <paramref name="mountPoint"/> (created, as a directory, if missing). Never
    /// fails the caller: a volume must mount even where its mount point cannot be sealed,
    /// so what could not be done comes back as one line for the journal (null: sealed, or
    /// the volume is mounted there right now and there is nothing to seal).
    /// </summary>
    public static string? Seal(string mountPoint)
    {
        if (!Path.IsPathFullyQualified(mountPoint))
        {
            return $"mount point '{mountPoint}' is not an absolute path; not sealed";
        }

        byte* stx = stackalloc byte[Size];
        if (Call(AT_FDCWD, mountPoint, AT_SYMLINK_NOFOLLOW, STATX_TYPE, stx) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.ENOENT)
            {
                return Say(mountPoint, "cannot be examined", errno);
            }

            try
            {
                Directory.CreateDirectory(mountPoint);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return $"mount point {mountPoint} is missing and cannot be created ({e.Message}); not sealed";
            }
        }
        else
        {
            int type = *(ushort*)(stx + Mode) & S_IFMT;
            if (type == S_IFLNK)
            {
                // Not followed: the seal would land wherever the link points.
                return $"mount point {mountPoint} is a symbolic link; not sealed (writes there reach the root disk while the volume is not mounted)";
            }

            if (type != S_IFDIR)
            {
                return $"mount point {mountPoint} is not a directory; not sealed";
            }
        }

        int fd = open(mountPoint, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
        {
            return Say(mountPoint, "cannot be opened", Marshal.GetLastPInvokeError());
        }

        try
        {
            // Asked of the directory opened, not of the path: if a file system is mounted
            // there, this is its root, which is the volume's (or someone's) and not ours to seal.
            if (Call(fd, string.Empty, AT_EMPTY_PATH, STATX_TYPE, stx) == 0 &&
                (*(ulong*)(stx + AttributesMask) & STATX_ATTR_MOUNT_ROOT) != 0 &&
                (*(ulong*)(stx + Attributes) & STATX_ATTR_MOUNT_ROOT) != 0)
            {
                return null;
            }

            int flags = 0;
            if (ioctl(fd, FS_IOC_GETFLAGS, &flags) != 0)
            {
                return Unsupported(mountPoint, Marshal.GetLastPInvokeError());
            }

            if ((flags & FS_IMMUTABLE_FL) == 0)
            {
                flags |= FS_IMMUTABLE_FL;
                if (ioctl(fd, FS_IOC_SETFLAGS, &flags) != 0)
                {
                    return Unsupported(mountPoint, Marshal.GetLastPInvokeError());
                }
            }
        }
        finally
        {
            close(fd);
        }

        // Sealed; existing entries stay as they were, and a file's contents stay writable.
        return Directory.EnumerateFileSystemEntries(mountPoint).Any()
            ? $"mount point {mountPoint} is sealed but not empty: what is already in it stays writable and reaches the root disk while the volume is not mounted; empty it"
            : null;
    }

    /// <summary>Whether <paramref name="directory"/> carries the seal (the immutable attribute).</summary>
    public static bool IsSealed(string directory)
    {
        byte* stx = stackalloc byte[Size];
        return Call(AT_FDCWD, directory, AT_SYMLINK_NOFOLLOW, STATX_TYPE, stx) == 0 &&
            (*(ulong*)(stx + Attributes) & STATX_ATTR_IMMUTABLE) != 0;
    }

    private static string Unsupported(string mountPoint, int errno) => errno switch
    {
        Errno.ENOTTY or Errno.ENOTSUP => $"mount point {mountPoint}: its file system has no immutable attribute; not sealed (writes there reach the root disk while the volume is not mounted)",
        Errno.EPERM => Say(mountPoint, "cannot be sealed without CAP_LINUX_IMMUTABLE", errno),
        _ => Say(mountPoint, "cannot be sealed", errno),
    };

    private static string Say(string mountPoint, string what, int errno) =>
        string.Create(CultureInfo.InvariantCulture, $"mount point {mountPoint} {what} (errno {errno}); not sealed");

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string pathname, int flags);

    // int ioctl(int fd, unsigned long request, ...): FS_IOC_[GS]ETFLAGS pass an int*.
    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int ioctl(int fd, nuint request, int* argument);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int close(int fd);
}
