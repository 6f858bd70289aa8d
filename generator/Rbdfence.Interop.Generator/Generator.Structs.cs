using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Rbdfence.Interop.Generator.Metadata;

namespace Rbdfence.Interop.Generator;

/// <summary>
/// Structs: blittable, C field names, <c>LayoutKind.Sequential</c> (unions and structs with
/// bit-fields: <c>Explicit</c> with the metadata's offsets). Arrays of primitives become
/// <c>fixed</c> buffers, other arrays <c>[InlineArray]</c> types nested in the struct.
/// Opaque structs are empty and only usable by pointer.
/// </summary>
internal sealed partial class Generator
{
    private IEnumerable<GeneratedSource> EmitStructs()
    {
        foreach (var name in _selectedStructs)
        {
            var s = _structs[name];
            var w = StartFile("C " + s.Kind + " " + s.Name + " from " + s.Header + ".");
            try
            {
                EmitStruct(w, s);
            }
            catch (UnmappableTypeException ex)
            {
                _diagnostics.Add(Microsoft.CodeAnalysis.Diagnostic.Create(DiagnosticDescriptors.Unmappable, Microsoft.CodeAnalysis.Location.None, s.Name, ex.Message));
                w = StartFile("C " + s.Kind + " " + s.Name + " from " + s.Header + ".");
                EmitBlobStruct(w, s, ex.Message);
            }

            yield return new GeneratedSource("Structs." + s.Name + ".g.cs", w.ToString());
        }
    }

    private void EmitStruct(CodeWriter w, StructInfo s)
    {
        var typeName = Identifier(s.Name);
        if (s.IsOpaque)
        {
            w.Line("/// <summary>Opaque C " + s.Kind + " <c>" + XmlEscape(s.Name) + "</c> (" + XmlEscape(s.Header) + "): declared but not defined, use only through pointers.</summary>");
            w.Open("public partial struct " + typeName);
            w.Close();
            return;
        }

        var explicitLayout = s.Kind == "union" || s.Fields.Any(f => f.BitWidth is not null);
        w.Line("/// <summary>C " + s.Kind + " <c>" + XmlEscape(s.Name) + "</c> from <c>" + XmlEscape(s.Header) + "</c>; "
            + Number(s.Size!.Value) + " bytes, aligned to " + Number(s.Align ?? 0) + ".</summary>");
        w.Line(explicitLayout
            ? "[StructLayout(LayoutKind.Explicit, Size = " + Number(s.Size!.Value) + ")]"
            : "[StructLayout(LayoutKind.Sequential)]");
        w.Open("public unsafe partial struct " + typeName);
        var buffers = new List<(string Name, CType Element, long Length)>();
        var first = true;
        foreach (var field in s.Fields)
        {
            if (!first)
            {
                w.Line();
            }

            first = false;
            var fieldName = FieldName(s, field);
            var offset = explicitLayout ? "[FieldOffset(" + Number(field.Offset) + ")] " : "";
            if (field.BitWidth is not null)
            {
                w.Line("// " + field.Type.C + " " + field.Name + " : " + Number(field.BitWidth.Value)
                    + " (bit-field at byte " + Number(field.Offset) + ") is not exposed: C# has no bit-fields.");
                continue;
            }

            if (field.Type.Kind == "array")
            {
                EmitArrayField(w, s, field, fieldName, offset, buffers);
                continue;
            }

            var cs = MapFieldType(s, field);
            w.Line(offset + NativeTypeName(field.Type, cs) + "public " + cs + " " + fieldName + ";");
        }

        foreach (var buffer in buffers)
        {
            w.Line();
            EmitInlineArray(w, buffer.Name, buffer.Element, buffer.Length);
        }

        w.Close();
    }

    /// <summary>A struct with a field the generator cannot map keeps its size and alignment-free layout as raw bytes.</summary>
    private static void EmitBlobStruct(CodeWriter w, StructInfo s, string reason)
    {
        w.Line("/// <summary>C " + s.Kind + " <c>" + XmlEscape(s.Name) + "</c> as " + Number(s.Size ?? 0) + " raw bytes: " + XmlEscape(reason) + ".</summary>");
        w.Line("[StructLayout(LayoutKind.Explicit, Size = " + Number(s.Size ?? 1) + ")]");
        w.Open("public partial struct " + Identifier(s.Name));
        w.Close();
    }

    private void EmitArrayField(CodeWriter w, StructInfo s, FieldInfo field, string fieldName, string offset, List<(string, CType, long)> buffers)
    {
        var element = field.Type.Element!;
        var length = field.Type.Length;
        if (length is null or 0)
        {
            w.Line("// " + field.Type.C + " " + field.Name + ": flexible array member, not part of the struct's size; reach it by pointer arithmetic.");
            return;
        }

        var attribute = "[NativeTypeName(" + Quote(field.Type.C) + ")] ";
        var elementType = element.Kind == "array" ? null : MapFieldType(s, field, element);
        if (elementType is not null && FixedBufferElementTypes.Contains(elementType))
        {
            w.Line(offset + attribute + "public fixed " + elementType + " " + fieldName + "[" + Number(length.Value) + "];");
            return;
        }

        var bufferName = "_" + field.Name + "_e__FixedBuffer";
        buffers.Add((bufferName, element, length.Value));
        w.Line(offset + attribute + "public " + bufferName + " " + fieldName + ";");
    }

    /// <summary>An <c>[InlineArray]</c> for arrays of non-primitive elements (and arrays of arrays).</summary>
    private void EmitInlineArray(CodeWriter w, string name, CType element, long length)
    {
        w.Line("[InlineArray(" + Number(length) + ")]");
        w.Open("public unsafe partial struct " + name);
        string elementType;
        var nested = new List<(string, CType, long)>();
        if (element.Kind == "array" && element.Length is > 0)
        {
            elementType = name + "_e";
            nested.Add((elementType, element.Element!, element.Length.Value));
        }
        else
        {
            elementType = MapType(element);
        }

        w.Line(NativeTypeName(element, elementType) + "public " + elementType + " e0;");
        foreach (var (nestedName, nestedElement, nestedLength) in nested)
        {
            w.Line();
            EmitInlineArray(w, nestedName, nestedElement, nestedLength);
        }

        w.Close();
    }

    private string MapFieldType(StructInfo s, FieldInfo field, CType? type = null)
    {
        try
        {
            return MapType(type ?? field.Type);
        }
        catch (UnmappableTypeException ex)
        {
            throw new UnmappableTypeException(s.Name + "." + field.Name + ": " + ex.Message);
        }
    }

    /// <summary>The C field name; C# forbids a member named like its type, so such a field gets a trailing underscore.</summary>
    private static string FieldName(StructInfo s, FieldInfo field) =>
        field.Name == s.Name ? field.Name + "_" : Identifier(field.Name);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
