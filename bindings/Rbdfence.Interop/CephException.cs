using System.IO;
using System.Runtime.InteropServices;

namespace Rbdfence.Interop;

/// <summary>A librbd/librados call failed; <see cref="Errno"/> keeps the raw (positive) errno.</summary>
public sealed class CephException : IOException
{
    public CephException(string operation, int errno)
        : base(operation + ": " + Marshal.GetPInvokeErrorMessage(errno) + " (errno " + errno + ")", errno)
    {
        Operation = operation;
        Errno = errno;
    }

    public CephException()
    {
        Operation = "";
    }

    public CephException(string message)
        : base(message)
    {
        Operation = "";
    }

    public CephException(string message, System.Exception innerException)
        : base(message, innerException)
    {
        Operation = "";
    }

    /// <summary>
    /// What failed, in the caller's words for an operator (e.g. "cannot lock rbd/vol1"):
    /// the caller knows which volume and why it asked; the errno says the rest.
    /// </summary>
    public string Operation { get; }

    /// <summary>The errno the call returned, made positive (EBUSY is 16).</summary>
    public int Errno { get; }
}
