using System.Runtime.InteropServices;

namespace Rbdfence.Linux;

/// <summary>
/// statx(2), and the offsets of the fields rbdfence reads from <c>struct statx</c>
/// (linux/stat.h: the kernel's own layout, the same on every architecture).
/// </summary>
public static unsafe partial class Statx
{
    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int AT_EMPTY_PATH = 0x1000;

    public const uint STATX_TYPE = 0x1;
    public const uint STATX_BASIC_STATS = 0x7ff;

    public const ulong STATX_ATTR_IMMUTABLE = 0x10;
    public const ulong STATX_ATTR_MOUNT_ROOT = 0x2000;

    public const int S_IFMT = 0xf000, S_IFDIR = 0x4000, S_IFLNK = 0xa000;

    /// <summary>The size of the buffer to pass (the kernel fills what it knows of it).</summary>
    public const int Size = 256;

    /// <summary>u64 stx_attributes.</summary>
    public const int Attributes = 8;

    /// <summary>u32 stx_uid.</summary>
    public const int Uid = 20;

    /// <summary>u16 stx_mode.</summary>
    public const int Mode = 28;

    /// <summary>u64 stx_attributes_mask: which bits of <see cref="Attributes"/> the file system reports.</summary>
    public const int AttributesMask = 56;

    /// <summary>statx(2) into <paramref name="buffer"/> (<see cref="Size"/> bytes); 0, or -1 with the errno.</summary>
    // int statx(int dirfd, const char *pathname, int flags, unsigned int mask, struct statx *statxbuf);
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Call(int dirfd, string pathname, int flags, uint mask, byte* buffer);
}
