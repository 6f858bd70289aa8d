using System;

namespace Rbdfence.Mapping;

/// <summary>Checks every backend applies to a request before it touches anything.</summary>
public static class MapRequestChecks
{
    public static void Validate(MapRequest request, IMapBackend backend)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Volume.Validate();
        ArgumentException.ThrowIfNullOrEmpty(request.ClientId, nameof(request.ClientId));
        foreach (char c in request.ClientId)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is ',' or '=' or '/')
            {
                throw new ArgumentException($"the Ceph client id '{request.ClientId}' contains '{c}'", nameof(request));
            }
        }

        if (request.Exclusive && !backend.SupportsExclusive)
        {
            throw new ExclusiveNotSupportedException(
                $"{request.Volume} is in managed mode, but the {backend.Name} backend cannot hold the managed lock exclusively " +
                "(it hands the lock over to any client that asks, so it would fence nothing); use the krbd or nbd backend, " +
                "or disable the image's exclusive-lock feature for advisory mode");
        }

        if (request.Exclusive && (request.ReadOnly || request.Volume.Snapshot is not null))
        {
            throw new ArgumentException(
                $"managed (exclusive) mode maps the image head read-write; {request.Volume} was requested " +
                (request.Volume.Snapshot is not null ? "as a snapshot" : "read-only"),
                nameof(request));
        }
    }
}
