using System;
using System.Text;

using Rbdfence.Interop;
namespace Rbdfence.Fencing.Ceph;

/// <summary>NUL-terminated UTF-8, the form every librados/librbd string argument takes.</summary>
internal static class Utf8
{
    /// <summary>Encodes once, off the hot path; hot paths keep the returned array.</summary>
    public static byte[] NulTerminated(string s)
    {
        if (s.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("a NUL byte cannot cross into C", nameof(s));
        }

        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }

    /// <summary>Decodes up to the first NUL (or the whole span).</summary>
    public static string Decode(ReadOnlySpan<byte> s)
    {
        int nul = s.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul < 0 ? s : s[..nul]);
    }
}
