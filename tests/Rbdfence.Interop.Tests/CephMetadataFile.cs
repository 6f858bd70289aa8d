using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace Rbdfence.Interop.Tests;

/// <summary>The metadata file the bindings were generated from (copied next to the tests).</summary>
internal static class CephMetadataFile
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "metadata", "ceph.json"))));

    public static JsonElement Root => Document.Value.RootElement;

    public static IEnumerable<JsonElement> Structs => Root.GetProperty("structs").EnumerateArray();

    public static IEnumerable<JsonElement> Constants => Root.GetProperty("constants").EnumerateArray();

    public static IEnumerable<JsonElement> Enums => Root.GetProperty("enums").EnumerateArray();

    public static JsonElement Struct(string name) =>
        Structs.Single(s => s.GetProperty("name").GetString() == name);
}
