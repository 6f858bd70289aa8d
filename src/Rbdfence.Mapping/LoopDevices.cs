using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Rbdfence.Mapping;

/// <summary>One loop device as <c>losetup -J -l</c> lists it.</summary>
/// <param name="Device">The device, e.g. <c>/dev/loop3</c>.</param>
/// <param name="BackFile">The file behind it (without a trailing <c> (deleted)</c>).</param>
/// <param name="ReadOnly">True for a read-only loop.</param>
public sealed record LoopDevice(string Device, string BackFile, bool ReadOnly);

/// <summary>Parses <c>losetup</c>'s JSON listing.</summary>
public static class LoopDevices
{
    /// <summary>The devices in <c>losetup -J -l</c> output (empty output means none).</summary>
    public static IReadOnlyList<LoopDevice> Parse(string json)
    {
        var result = new List<LoopDevice>();
        if (string.IsNullOrWhiteSpace(json))
        {
            return result;
        }

        using JsonDocument document = JsonDocument.Parse(json);
        if (!document.RootElement.TryGetProperty("loopdevices", out JsonElement devices) || devices.ValueKind != JsonValueKind.Array)
        {
            return result;
        }

        foreach (JsonElement device in devices.EnumerateArray())
        {
            string? name = device.TryGetProperty("name", out JsonElement n) ? n.GetString() : null;
            string? backFile = device.TryGetProperty("back-file", out JsonElement b) && b.ValueKind == JsonValueKind.String ? b.GetString() : null;
            if (name is null || backFile is null)
            {
                continue;
            }

            const string Deleted = " (deleted)";
            if (backFile.EndsWith(Deleted, StringComparison.Ordinal))
            {
                backFile = backFile[..^Deleted.Length];
            }

            bool readOnly = device.TryGetProperty("ro", out JsonElement ro) && ro.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.String => ro.GetString() is "1" or "true",
                JsonValueKind.Number => ro.GetInt32() != 0,
                _ => false,
            };
            result.Add(new LoopDevice(name, backFile, readOnly));
        }

        return result;
    }
}
