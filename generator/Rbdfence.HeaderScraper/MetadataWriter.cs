using System.Collections.Generic;
using System.IO;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Rbdfence.HeaderScraper;

/// <summary>
/// Writes <see cref="ApiMetadata"/> as docs/BINDINGS-METADATA.md describes: UTF-8 without BOM,
/// LF, two-space indent, keys in the documented order, a final newline. The scraper sorts.
/// </summary>
internal static class MetadataWriter
{
    public static void Write(ApiMetadata api, Stream stream)
    {
        var options = new JsonWriterOptions
        {
            Indented = true,
            IndentSize = 2,
            NewLine = "\n",
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        using (var json = new Utf8JsonWriter(stream, options))
        {
            json.WriteStartObject();
            json.WriteNumber("schema", ApiMetadata.Schema);
            json.WriteString("release", api.Release);
            json.WriteString("package", api.Package);
            json.WriteStartArray("headers");
            foreach (string header in api.Headers)
            {
                json.WriteStringValue(header);
            }
            json.WriteEndArray();

            WriteArray(json, "functions", api.Functions, (j, f) =>
            {
                j.WriteString("name", f.Name);
                j.WriteString("library", f.Library);
                j.WriteString("header", f.Header);
                j.WriteString("signature", f.Signature);
                WriteType(j, "returns", f.Returns);
                WriteParameters(j, f.Parameters);
                j.WriteBoolean("variadic", f.Variadic);
                j.WriteBoolean("deprecated", f.Deprecated);
            });
            WriteArray(json, "typedefs", api.Typedefs, (j, t) =>
            {
                j.WriteString("name", t.Name);
                j.WriteString("header", t.Header);
                WriteType(j, "type", t.Type);
            });
            WriteArray(json, "enums", api.Enums, (j, e) =>
            {
                j.WriteString("name", e.Name);
                j.WriteString("header", e.Header);
                WriteType(j, "underlying", e.Underlying);
                WriteArray(j, "constants", e.Constants, (k, c) =>
                {
                    k.WriteString("name", c.Name);
                    k.WriteString("value", c.Value);
                });
            });
            WriteArray(json, "structs", api.Structs, (j, s) =>
            {
                j.WriteString("name", s.Name);
                j.WriteString("header", s.Header);
                j.WriteString("kind", s.Kind);
                WriteNullableNumber(j, "size", s.Size);
                WriteNullableNumber(j, "align", s.Align);
                WriteArray(j, "fields", s.Fields, (k, f) =>
                {
                    k.WriteString("name", f.Name);
                    WriteType(k, "type", f.Type);
                    k.WriteNumber("offset", f.Offset);
                    WriteNullableNumber(k, "bitWidth", f.BitWidth);
                });
            });
            WriteArray(json, "callbacks", api.Callbacks, (j, c) =>
            {
                j.WriteString("name", c.Name);
                j.WriteString("header", c.Header);
                WriteType(j, "returns", c.Returns);
                WriteParameters(j, c.Parameters);
            });
            WriteArray(json, "constants", api.Constants, (j, c) =>
            {
                j.WriteString("name", c.Name);
                j.WriteString("header", c.Header);
                WriteType(j, "type", c.Type);
                j.WriteString("value", c.Value);
                j.WriteString("expression", c.Expression);
            });
            json.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
    }

    public static void WriteFile(ApiMetadata api, string path)
    {
        using var buffer = new MemoryStream();
        Write(api, buffer);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }
        File.WriteAllBytes(path, buffer.ToArray());
    }

    private static void WriteArray<T>(Utf8JsonWriter json, string name, IReadOnlyList<T> items, System.Action<Utf8JsonWriter, T> writeMembers)
    {
        json.WriteStartArray(name);
        foreach (T item in items)
        {
            json.WriteStartObject();
            writeMembers(json, item);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteParameters(Utf8JsonWriter json, IReadOnlyList<Parameter> parameters) =>
        WriteArray(json, "parameters", parameters, (j, p) =>
        {
            j.WriteString("name", p.Name);
            WriteType(j, "type", p.Type);
        });

    private static void WriteNullableNumber(Utf8JsonWriter json, string name, long? value)
    {
        if (value is long number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void WriteType(Utf8JsonWriter json, string name, CType type)
    {
        json.WritePropertyName(name);
        WriteType(json, type);
    }

    /// <summary>Keys: c, kind, const (only when true), then the kind's own keys.</summary>
    private static void WriteType(Utf8JsonWriter json, CType type)
    {
        json.WriteStartObject();
        json.WriteString("c", type.C);
        json.WriteString("kind", type.Kind);
        if (type.Const)
        {
            json.WriteBoolean("const", true);
        }
        switch (type.Kind)
        {
            case "builtin":
                json.WriteString("name", type.Name);
                json.WriteNumber("size", type.Size ?? 0);
                break;
            case "typedef":
                json.WriteString("name", type.Name);
                WriteType(json, "canonical", type.Canonical!);
                break;
            case "pointer":
                WriteType(json, "pointee", type.Pointee!);
                break;
            case "array":
                WriteType(json, "element", type.Element!);
                WriteNullableNumber(json, "length", type.Length);
                break;
            case "struct":
            case "union":
            case "enum":
                json.WriteString("name", type.Name);
                break;
            case "function":
                WriteType(json, "returns", type.Returns!);
                json.WriteStartArray("parameters");
                foreach (CType parameter in type.Parameters!)
                {
                    WriteType(json, parameter);
                }
                json.WriteEndArray();
                json.WriteBoolean("variadic", type.Variadic);
                break;
        }
        json.WriteEndObject();
    }
}
