using System.Collections.Generic;
using System.Globalization;
using Rbdfence.Interop.Generator.Json;

namespace Rbdfence.Interop.Generator.Metadata;

/// <summary>Turns the parsed JSON of a metadata file into <see cref="CephMetadata"/>, checking its shape.</summary>
internal static class MetadataReader
{
    public const int SupportedSchema = 1;

    /// <exception cref="JsonException">The text is not JSON or not schema-1 metadata.</exception>
    public static CephMetadata Read(string text)
    {
        var root = AsObject(JsonReader.Parse(text), "the top level");
        var schema = GetInt(root, "schema");
        if (schema != SupportedSchema)
        {
            var node = root.Properties["schema"];
            throw new JsonException(
                "unsupported schema " + schema.ToString(CultureInfo.InvariantCulture) + " (expected " + SupportedSchema.ToString(CultureInfo.InvariantCulture) + ")",
                node.Line,
                node.Column);
        }

        return new CephMetadata
        {
            Release = GetString(root, "release"),
            Package = GetOptionalString(root, "package") ?? "",
            Functions = GetList(root, "functions", ReadFunction),
            Typedefs = GetList(root, "typedefs", ReadTypedef),
            Enums = GetList(root, "enums", ReadEnum),
            Structs = GetList(root, "structs", ReadStruct),
            Callbacks = GetList(root, "callbacks", ReadCallback),
            Constants = GetList(root, "constants", ReadConstant),
        };
    }

    private static FunctionInfo ReadFunction(JsonObject o) => new()
    {
        Name = GetString(o, "name"),
        Library = GetString(o, "library"),
        Header = GetString(o, "header"),
        Signature = GetString(o, "signature"),
        Returns = ReadType(Get(o, "returns")),
        Parameters = GetList(o, "parameters", ReadParameter),
        Variadic = GetOptionalBool(o, "variadic"),
        Deprecated = GetOptionalBool(o, "deprecated"),
    };

    private static ParameterInfo ReadParameter(JsonObject o) =>
        new(GetOptionalString(o, "name") ?? "", ReadType(Get(o, "type")));

    private static TypedefInfo ReadTypedef(JsonObject o) => new()
    {
        Name = GetString(o, "name"),
        Header = GetString(o, "header"),
        Type = ReadType(Get(o, "type")),
    };

    private static EnumInfo ReadEnum(JsonObject o) => new()
    {
        Name = GetOptionalString(o, "name") ?? "",
        Header = GetString(o, "header"),
        Underlying = ReadType(Get(o, "underlying")),
        Constants = GetList(o, "constants", c => new EnumConstantInfo(GetString(c, "name"), GetIntegerText(c, "value"))),
    };

    private static StructInfo ReadStruct(JsonObject o)
    {
        var kind = GetString(o, "kind");
        if (kind != "struct" && kind != "union")
        {
            var node = o.Properties["kind"];
            throw new JsonException("unknown struct kind '" + kind + "'", node.Line, node.Column);
        }

        return new StructInfo
        {
            Name = GetString(o, "name"),
            Header = GetString(o, "header"),
            Kind = kind,
            Size = GetOptionalLong(o, "size"),
            Align = GetOptionalLong(o, "align"),
            Fields = GetList(o, "fields", ReadField),
        };
    }

    private static FieldInfo ReadField(JsonObject o) => new()
    {
        Name = GetString(o, "name"),
        Type = ReadType(Get(o, "type")),
        Offset = GetOptionalLong(o, "offset") ?? 0,
        BitWidth = (int?)GetOptionalLong(o, "bitWidth"),
    };

    private static CallbackInfo ReadCallback(JsonObject o) => new()
    {
        Name = GetString(o, "name"),
        Header = GetString(o, "header"),
        Returns = ReadType(Get(o, "returns")),
        Parameters = GetList(o, "parameters", ReadParameter),
    };

    private static ConstantInfo ReadConstant(JsonObject o) => new()
    {
        Name = GetString(o, "name"),
        Header = GetString(o, "header"),
        Type = ReadType(Get(o, "type")),
        Value = GetIntegerText(o, "value"),
        Expression = GetOptionalString(o, "expression") ?? "",
    };

    private static CType ReadType(JsonNode node)
    {
        var o = AsObject(node, "a TYPE");
        var kind = GetString(o, "kind");
        var type = new CType(kind, GetOptionalString(o, "c") ?? "")
        {
            Const = GetOptionalBool(o, "const"),
        };
        switch (kind)
        {
            case "void":
                break;
            case "builtin":
                type.Name = GetString(o, "name");
                type.Size = (int)(GetOptionalLong(o, "size") ?? 0);
                break;
            case "typedef":
                type.Name = GetString(o, "name");
                type.Canonical = o.Properties.TryGetValue("canonical", out var canonical) && canonical is not JsonNull
                    ? ReadType(canonical)
                    : null;
                break;
            case "pointer":
                type.Pointee = ReadType(Get(o, "pointee"));
                break;
            case "array":
                type.Element = ReadType(Get(o, "element"));
                type.Length = GetOptionalLong(o, "length");
                break;
            case "struct":
            case "union":
            case "enum":
                type.Name = GetString(o, "name");
                break;
            case "function":
                type.Returns = ReadType(Get(o, "returns"));
                type.Parameters = GetList(o, "parameters", ReadTypeObject);
                type.Variadic = GetOptionalBool(o, "variadic");
                break;
            default:
                var kindNode = o.Properties["kind"];
                throw new JsonException("unknown TYPE kind '" + kind + "'", kindNode.Line, kindNode.Column);
        }

        return type;
    }

    private static CType ReadTypeObject(JsonObject o) => ReadType(o);

    private static JsonNode Get(JsonObject o, string key)
    {
        if (!o.Properties.TryGetValue(key, out var value))
        {
            throw new JsonException("missing property '" + key + "'", o.Line, o.Column);
        }

        return value;
    }

    private static JsonObject AsObject(JsonNode node, string what) =>
        node as JsonObject ?? throw new JsonException("expected an object for " + what, node.Line, node.Column);

    private static string GetString(JsonObject o, string key)
    {
        var node = Get(o, key);
        return node is JsonString s
            ? s.Value
            : throw new JsonException("property '" + key + "' must be a string", node.Line, node.Column);
    }

    private static string? GetOptionalString(JsonObject o, string key)
    {
        if (!o.Properties.TryGetValue(key, out var node) || node is JsonNull)
        {
            return null;
        }

        return node is JsonString s
            ? s.Value
            : throw new JsonException("property '" + key + "' must be a string", node.Line, node.Column);
    }

    private static bool GetOptionalBool(JsonObject o, string key)
    {
        if (!o.Properties.TryGetValue(key, out var node) || node is JsonNull)
        {
            return false;
        }

        return node is JsonBool b
            ? b.Value
            : throw new JsonException("property '" + key + "' must be true or false", node.Line, node.Column);
    }

    private static long GetInt(JsonObject o, string key) =>
        GetOptionalLong(o, key) ?? throw new JsonException("property '" + key + "' must not be null", o.Line, o.Column);

    private static long? GetOptionalLong(JsonObject o, string key)
    {
        if (!o.Properties.TryGetValue(key, out var node) || node is JsonNull)
        {
            return null;
        }

        if (node is JsonNumber n && long.TryParse(n.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        throw new JsonException("property '" + key + "' must be an integer", node.Line, node.Column);
    }

    /// <summary>An integer value given as a decimal string (or, leniently, a JSON integer).</summary>
    private static string GetIntegerText(JsonObject o, string key)
    {
        var node = Get(o, key);
        var text = node switch
        {
            JsonString s => s.Value,
            JsonNumber n => n.Text,
            _ => null,
        };
        if (text is null || !IsDecimalInteger(text))
        {
            throw new JsonException("property '" + key + "' must be a decimal integer", node.Line, node.Column);
        }

        return text;
    }

    private static bool IsDecimalInteger(string text)
    {
        var start = text.Length > 0 && text[0] == '-' ? 1 : 0;
        if (start == text.Length)
        {
            return false;
        }

        for (var i = start; i < text.Length; i++)
        {
            if (text[i] < '0' || text[i] > '9')
            {
                return false;
            }
        }

        return true;
    }

    private static IReadOnlyList<T> GetList<T>(JsonObject o, string key, System.Func<JsonObject, T> read)
    {
        if (!o.Properties.TryGetValue(key, out var node) || node is JsonNull)
        {
            return [];
        }

        if (node is not JsonArray array)
        {
            throw new JsonException("property '" + key + "' must be an array", node.Line, node.Column);
        }

        var list = new List<T>(array.Items.Count);
        foreach (var item in array.Items)
        {
            list.Add(read(AsObject(item, "an element of '" + key + "'")));
        }

        return list;
    }
}
