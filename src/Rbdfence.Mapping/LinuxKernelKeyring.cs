using System;
using System.Runtime.InteropServices;
using Rbdfence.Linux;

namespace Rbdfence.Mapping;

/// <summary>
/// <see cref="IKernelKeyring"/> through the <c>add_key(2)</c> and <c>keyctl(2)</c> system
/// calls, invoked via libc's <c>syscall</c> (libkeyutils need not be installed).
/// </summary>
public sealed partial class LinuxKernelKeyring : IKernelKeyring
{
    private const int KeySpecProcessKeyring = -2;
    private const int KeyctlInvalidate = 21;

    /// <inheritdoc/>
    public unsafe int AddCephKey(string description, ReadOnlySpan<byte> payload, out int serial)
    {
        serial = 0;
        if (!TryGetNumbers(out long addKey, out _))
        {
            return Errno.ENOSYS;
        }

        byte[] type = "ceph\0"u8.ToArray();
        byte[] name = System.Text.Encoding.UTF8.GetBytes(description + "\0");
        long result;
        fixed (byte* t = type)
        fixed (byte* n = name)
        fixed (byte* p = payload)
        {
            result = syscall(addKey, (nint)t, (nint)n, (nint)p, (nint)payload.Length, KeySpecProcessKeyring);
        }

        if (result < 0)
        {
            return Marshal.GetLastPInvokeError();
        }

        serial = (int)result;
        return 0;
    }

    /// <inheritdoc/>
    public void Invalidate(int serial)
    {
        if (serial != 0 && TryGetNumbers(out _, out long keyctl))
        {
            _ = syscall(keyctl, KeyctlInvalidate, serial, 0, 0, 0);
        }
    }

    private static bool TryGetNumbers(out long addKey, out long keyctl)
    {
        switch (RuntimeInformation.ProcessArchitecture)
        {
            case Architecture.X64:
                addKey = 248;
                keyctl = 250;
                return true;
            case Architecture.Arm64:
                addKey = 217;
                keyctl = 219;
                return true;
            default:
                addKey = keyctl = 0;
                return false;
        }
    }

    // syscall(2) is variadic; on x86_64 and arm64 (Linux) integer arguments of a variadic
    // call travel in the same registers as a fixed-arity call's, so a fixed signature works.
    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, nint a1, nint a2, nint a3, nint a4, nint a5);
}
