using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Rbdfence.Faults;

/// <summary>
/// fsync(2) whose failure is a failure. <c>FileStream.Flush(flushToDisk: true)</c> is not:
/// on .NET 10 / Linux it returned normally after fsync failed with EIO (seen with strace
/// when the data path under the file system died), so a writer built on it acknowledged
/// records the image never got.
/// </summary>
internal static partial class Fsync
{
    public static void Of(SafeFileHandle file)
    {
        while (fsync((int)file.DangerousGetHandle()) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != 4)
            {
                // EINTR (4) is retried; anything else means the records are not durable.
                throw new IOException($"fsync failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int fsync(int fd);
}
