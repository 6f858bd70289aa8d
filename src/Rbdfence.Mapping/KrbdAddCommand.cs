using System;
using System.Collections.Generic;
using System.Text;
using Rbdfence.Volumes;

namespace Rbdfence.Mapping;

/// <summary>
/// The string written to <c>/sys/bus/rbd/add_single_major</c>, in the form the kernel
/// documents (Documentation/ABI/testing/sysfs-bus-rbd) and <c>rbd map</c> writes
/// (Ceph's src/krbd.cc, <c>build_map_buf</c>):
/// <code>&lt;mon_addrs&gt; name=&lt;id&gt;,key=&lt;key description&gt;|secret=&lt;base64&gt;,noshare[,read_only][,exclusive][,_pool_ns=&lt;ns&gt;] &lt;pool&gt; &lt;image&gt; &lt;snap or -&gt;</code>
/// Monitor addresses are comma-separated msgr v1 <c>ip:port</c>.
/// </summary>
public static class KrbdAddCommand
{
    /// <summary>The snapshot field for the image head.</summary>
    public const string HeadSnapshot = "-";

    /// <summary>
    /// Builds the add string. Exactly one of <paramref name="kernelKeyName"/> (the secret
    /// is in the kernel keyring under that description) and <paramref name="secret"/>
    /// (base64, for kernels without the <c>ceph</c> key type) is given.
    /// </summary>
    public static string Build(MapRequest request, IReadOnlyList<string> monAddresses, string? kernelKeyName, string? secret)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(monAddresses);
        if (monAddresses.Count == 0)
        {
            throw new ArgumentException("at least one monitor address is needed", nameof(monAddresses));
        }

        if ((kernelKeyName is null) == (secret is null))
        {
            throw new ArgumentException("give exactly one of a kernel key name and a secret");
        }

        foreach (string address in monAddresses)
        {
            if (address.Length == 0 || address.AsSpan().IndexOfAny(" \t\n,") >= 0)
            {
                throw new ArgumentException($"'{address}' is not a monitor address", nameof(monAddresses));
            }
        }

        VolumeSpec volume = request.Volume;
        var builder = new StringBuilder();
        builder.AppendJoin(',', monAddresses);
        builder.Append(" name=").Append(request.ClientId);
        if (kernelKeyName is not null)
        {
            builder.Append(",key=").Append(kernelKeyName);
        }
        else
        {
            builder.Append(",secret=").Append(secret);
        }

        // A kernel Ceph client of its own for every mapping, never one shared with another
        // mapping of the same credentials (the kernel's default): a fence blocklists the
        // client, so a shared one would take this host's other volumes down with it, and a
        // map after a fence would join the blocklisted client and fail with ESHUTDOWN.
        builder.Append(",noshare");

        if (request.ReadOnly)
        {
            builder.Append(",read_only");
        }

        if (request.Exclusive)
        {
            builder.Append(",exclusive");
        }

        if (volume.Namespace.Length > 0)
        {
            builder.Append(",_pool_ns=").Append(volume.Namespace);
        }

        builder.Append(' ').Append(volume.Pool)
            .Append(' ').Append(volume.Image)
            .Append(' ').Append(volume.Snapshot ?? HeadSnapshot);
        return builder.ToString();
    }

    /// <summary>The add string with any <c>secret=</c> value replaced, safe to log.</summary>
    public static string Redact(string addString)
    {
        ArgumentNullException.ThrowIfNull(addString);
        const string Marker = "secret=";
        var builder = new StringBuilder(addString.Length);
        int i = 0;
        while (true)
        {
            int at = addString.IndexOf(Marker, i, StringComparison.Ordinal);
            if (at < 0)
            {
                builder.Append(addString, i, addString.Length - i);
                return builder.ToString();
            }

            builder.Append(addString, i, at - i).Append(Marker).Append("<redacted>");
            int end = at + Marker.Length;
            while (end < addString.Length && addString[end] is not (',' or ' '))
            {
                end++;
            }

            i = end;
        }
    }
}
