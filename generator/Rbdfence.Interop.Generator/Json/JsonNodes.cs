using System.Collections.Generic;

namespace Rbdfence.Interop.Generator.Json;

/// <summary>A parsed JSON value; <see cref="Line"/>/<see cref="Column"/> locate it for diagnostics.</summary>
internal abstract class JsonNode
{
    protected JsonNode(int line, int column)
    {
        Line = line;
        Column = column;
    }

    public int Line { get; }

    public int Column { get; }
}

internal sealed class JsonObject : JsonNode
{
    public JsonObject(int line, int column, Dictionary<string, JsonNode> properties)
        : base(line, column) => Properties = properties;

    public Dictionary<string, JsonNode> Properties { get; }
}

internal sealed class JsonArray : JsonNode
{
    public JsonArray(int line, int column, List<JsonNode> items)
        : base(line, column) => Items = items;

    public List<JsonNode> Items { get; }
}

internal sealed class JsonString : JsonNode
{
    public JsonString(int line, int column, string value)
        : base(line, column) => Value = value;

    public string Value { get; }
}

/// <summary>A number kept as its source text (the metadata only holds integers).</summary>
internal sealed class JsonNumber : JsonNode
{
    public JsonNumber(int line, int column, string text)
        : base(line, column) => Text = text;

    public string Text { get; }
}

internal sealed class JsonBool : JsonNode
{
    public JsonBool(int line, int column, bool value)
        : base(line, column) => Value = value;

    public bool Value { get; }
}

internal sealed class JsonNull : JsonNode
{
    public JsonNull(int line, int column)
        : base(line, column)
    {
    }
}
