using System;

namespace Rbdfence.Interop;

/// <summary>
/// Turns librbd/librados return values (negative errno on failure) into exceptions, like
/// dotnet/runtime's <c>CheckIo</c>: callers that branch on a specific errno keep using the
/// raw return value; everyone else checks it through here.
/// </summary>
public static class CephErrors
{
    /// <summary>Returns <paramref name="result"/> when it is not negative, else throws.</summary>
    /// <exception cref="CephException">The call returned -errno.</exception>
    public static int Check(int result, string operation)
    {
        if (result < 0)
        {
            throw new CephException(operation, -result);
        }

        return result;
    }

    /// <summary>The ssize_t flavour (rbd_read, rbd_write, …).</summary>
    /// <exception cref="CephException">The call returned -errno.</exception>
    public static nint Check(nint result, string operation)
    {
        if (result < 0)
        {
            throw new CephException(operation, checked((int)-result));
        }

        return result;
    }

    /// <summary>True when <paramref name="result"/> is the negative form of <paramref name="errno"/>.</summary>
    public static bool Is(int result, int errno) => result == -Math.Abs(errno);
}
