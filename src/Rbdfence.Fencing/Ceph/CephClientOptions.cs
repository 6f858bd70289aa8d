using System;

using Rbdfence.Interop;
namespace Rbdfence.Fencing.Ceph;

/// <summary>How to reach the cluster, as the rbd CLI takes it (<c>--id</c>, <c>--keyring</c>, <c>--conf</c>).</summary>
public sealed record CephClientOptions
{
    /// <summary>The cephx user without <c>client.</c>, like <c>rbd --id</c>.</summary>
    public string Id { get; init; } = "admin";

    /// <summary>Keyring path; null means what the conf (or <c>CEPH_ARGS</c>) says.</summary>
    public string? Keyring { get; init; }

    /// <summary>ceph.conf path; null means librados' search (<c>CEPH_CONF</c>, then /etc/ceph/ceph.conf).</summary>
    public string? Conf { get; init; }

    /// <summary>How long connecting (and each monitor request) may take before it is "unreachable".</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
