using System;

namespace Rbdfence.Mapping;

/// <summary>Checks every backend applies to a request before it touches anything.</summary>
internal static class MapRequestChecks
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
                $"the '{backend.Name}' map backend cannot serve {request.Volume} in managed mode: its data path cannot " +
                "hold the image's managed exclusive lock without handing it over to another client, so it would not " +
                "fence anything. Use the krbd or nbd backend for images with the exclusive-lock feature, or disable " +
                "that feature to use advisory mode.");
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
