using System;
using System.Collections.Generic;
using Rbdfence.Volumes;

namespace Rbdfence.Mapping;

/// <summary>What to map, how, and as which Ceph client.</summary>
public sealed record MapRequest
{
    /// <summary>Creates a request for <paramref name="volume"/>.</summary>
    public MapRequest(VolumeSpec volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        Volume = volume;
    }

    /// <summary>The image (or snapshot) to map.</summary>
    public VolumeSpec Volume { get; init; }

    /// <summary>Map read-only (always true in effect for a snapshot).</summary>
    public bool ReadOnly { get; init; }

    /// <summary>
    /// Managed mode: the data path must take the image's managed exclusive lock and never
    /// hand it over (krbd <c>exclusive</c>, <c>rbd-nbd --exclusive</c>). A backend whose
    /// <see cref="IMapBackend.SupportsExclusive"/> is false refuses such a request.
    /// </summary>
    public bool Exclusive { get; init; }

    /// <summary>The Ceph client id without the <c>client.</c> prefix, e.g. <c>rbdfence</c>.</summary>
    public string ClientId { get; init; } = "admin";

    /// <summary>The keyring holding <c>[client.&lt;id&gt;] key = …</c>; null for Ceph's default lookup.</summary>
    public string? KeyringPath { get; init; }

    /// <summary>The ceph.conf; null for <c>/etc/ceph/ceph.conf</c>.</summary>
    public string? ConfPath { get; init; }

    /// <summary>Monitor addresses (<c>ip:port</c>); empty to take <c>mon host</c> from the conf.</summary>
    public IReadOnlyList<string> MonAddresses { get; init; } = Array.Empty<string>();

    /// <summary>
    /// Who to be and how to reach the cluster, as Ceph's command-line tools take it
    /// (<c>--id</c>, <c>-c</c>, <c>--keyring</c>, <c>-m</c>); <paramref name="conf"/>: false when the
    /// caller places <c>-c</c> itself.
    /// </summary>
    internal void AddClientArguments(List<string> arguments, bool conf = true)
    {
        arguments.Add("--id");
        arguments.Add(ClientId);
        if (conf && ConfPath is not null)
        {
            arguments.Add("-c");
            arguments.Add(ConfPath);
        }

        if (KeyringPath is not null)
        {
            arguments.Add("--keyring");
            arguments.Add(KeyringPath);
        }

        if (MonAddresses.Count > 0)
        {
            arguments.Add("-m");
            arguments.Add(string.Join(',', MonAddresses));
        }
    }
}
