using System;
using Rbdfence.Volumes;

namespace Rbdfence.Mapping;

/// <summary>Checks every backend applies to a request before it touches anything.</summary>
public static class MapRequestChecks
{
    public static void Validate(MapRequest request, IMapBackend backend)
    {
        ArgumentNullException.ThrowIfNull(request);
        ValidateVolume(request.Volume);
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

    /// <summary>
    /// Throws <see cref="ArgumentException"/> when a part of <paramref name="volume"/> is empty or
    /// holds a character no backend can pass on. The grammar (<see cref="VolumeSpec.TryParse"/>)
    /// allows more: these are the map command lines' and the kernel add string's limits.
    /// </summary>
    public static void ValidateVolume(VolumeSpec volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        CheckPart(volume.Pool, "pool", allowEmpty: false);
        CheckPart(volume.Namespace, "namespace", allowEmpty: true);
        CheckPart(volume.Image, "image", allowEmpty: false);
        if (volume.Snapshot is not null)
        {
            CheckPart(volume.Snapshot, "snapshot", allowEmpty: false);
        }
    }

    private static void CheckPart(string? value, string name, bool allowEmpty)
    {
        if (value is null || (!allowEmpty && value.Length == 0))
        {
            throw new ArgumentException($"the volume's {name} must not be empty", nameof(value));
        }

        foreach (char c in value)
        {
            // Whitespace separates the fields of the kernel's add string, ',' and '=' its
            // options, '/' and '@' the parts of a spec; control characters are never names.
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '/' or '@' or ',' or '=')
            {
                throw new ArgumentException(
                    $"the volume's {name} '{value}' contains '{c}', which cannot be passed to a map backend", nameof(value));
            }
        }
    }
}
