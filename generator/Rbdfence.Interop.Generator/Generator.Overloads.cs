using System;
using System.Collections.Generic;
using System.Linq;
using Rbdfence.Interop.Generator.Metadata;

namespace Rbdfence.Interop.Generator;

/// <summary>
/// Span overloads beside the raw bindings, allocation-free (spans are pinned with
/// <c>fixed</c>):
/// <list type="bullet">
/// <item><c>const char *s</c> → <c>ReadOnlySpan&lt;byte&gt;</c>: UTF-8 that must end in a NUL byte
/// (else ArgumentException); an empty span passes NULL.</item>
/// <item><c>char *buf, size_t *len</c> → <c>Span&lt;byte&gt;, ref nuint</c>: <c>len</c> in is the
/// capacity to use (at most the span length, else ArgumentOutOfRangeException), out what
/// the library reports.</item>
/// <item><c>[const] char *buf, size_t len</c> → one span whose length is passed.</item>
/// </list>
/// Other <c>const char *</c> buffers without a length stay raw pointers.
/// </summary>
internal sealed partial class Generator
{
    private static readonly HashSet<string> RawBufferNames = new(StringComparer.Ordinal)
    {
        "buf", "buffer", "data", "bl", "inbuf", "outbuf", "cmdbuf",
    };

    private enum ParameterShape
    {
        Raw,
        CString,
        DataIn,
        DataOut,
        OutBuffer,
        LengthOfPrevious,
        LengthOfNext,
        InOutLength,
    }

    private void EmitSpanOverload(CodeWriter w, FunctionInfo function)
    {
        var parameters = function.Parameters;
        var shapes = ClassifyParameters(parameters);
        if (shapes.All(s => s == ParameterShape.Raw))
        {
            return;
        }

        var names = parameters.Select(ParameterName).ToList();
        var types = parameters.Select(p => MapType(p.Type)).ToList();
        var returnType = MapType(function.Returns);
        var signature = new List<string>();
        for (var i = 0; i < parameters.Count; i++)
        {
            switch (shapes[i])
            {
                case ParameterShape.CString:
                case ParameterShape.DataIn:
                    signature.Add("ReadOnlySpan<byte> " + names[i]);
                    break;
                case ParameterShape.DataOut:
                case ParameterShape.OutBuffer:
                    signature.Add("Span<byte> " + names[i]);
                    break;
                case ParameterShape.InOutLength:
                    signature.Add("ref nuint " + names[i]);
                    break;
                case ParameterShape.LengthOfPrevious:
                case ParameterShape.LengthOfNext:
                    break;
                default:
                    signature.Add(NativeTypeName(parameters[i].Type, types[i]) + types[i] + " " + names[i]);
                    break;
            }
        }

        w.Line();
        w.Line("/// <summary>Span overload of <c>" + XmlEscape(function.Name) + "</c>; see the raw binding for the C prototype.</summary>");
        for (var i = 0; i < parameters.Count; i++)
        {
            var doc = shapes[i] switch
            {
                ParameterShape.CString => "UTF-8 text ending in a NUL byte; an empty span passes NULL.",
                ParameterShape.DataIn => "input bytes; the span length is passed as <c>" + XmlEscape(LengthParameter(parameters, shapes, i).Name) + "</c>.",
                ParameterShape.DataOut => "output buffer; the span length is passed as <c>" + XmlEscape(LengthParameter(parameters, shapes, i).Name) + "</c>.",
                ParameterShape.OutBuffer => "output buffer of at least <c>" + XmlEscape(parameters[i + 1].Name) + "</c> bytes.",
                ParameterShape.InOutLength => "in: capacity of the preceding buffer (at most its length); out: the length the library reports.",
                _ => null,
            };
            if (doc is not null)
            {
                w.Line("/// <param name=\"" + names[i].TrimStart('@') + "\">" + doc + "</param>");
            }
        }

        if (function.Deprecated)
        {
            w.Line("[Obsolete(" + Quote(function.Name + " is deprecated in the Ceph " + _metadata.Release + " headers.") + ")]");
        }

        w.Open("public static " + returnType + " " + Identifier(function.Name) + "(" + string.Join(", ", signature) + ")");
        for (var i = 0; i < parameters.Count; i++)
        {
            if (shapes[i] == ParameterShape.CString)
            {
                w.Line("InteropHelpers.ThrowIfNotNulTerminated(" + names[i] + ", nameof(" + names[i] + "));");
            }
            else if (shapes[i] == ParameterShape.InOutLength)
            {
                w.Line("InteropHelpers.ThrowIfLengthExceedsBuffer(" + names[i] + ", " + names[i - 1] + ".Length, nameof(" + names[i] + "));");
            }
        }

        var arguments = new List<string>();
        for (var i = 0; i < parameters.Count; i++)
        {
            var pinned = "__" + names[i].TrimStart('@');
            switch (shapes[i])
            {
                case ParameterShape.CString:
                case ParameterShape.DataIn:
                case ParameterShape.DataOut:
                case ParameterShape.OutBuffer:
                    w.Line("fixed (" + types[i] + " " + pinned + " = " + names[i] + ")");
                    arguments.Add(pinned);
                    break;
                case ParameterShape.InOutLength:
                    w.Line("fixed (" + types[i] + " " + pinned + " = &" + names[i] + ")");
                    arguments.Add(pinned);
                    break;
                case ParameterShape.LengthOfPrevious:
                    arguments.Add("(" + types[i] + ")" + names[i - 1] + ".Length");
                    break;
                case ParameterShape.LengthOfNext:
                    arguments.Add("(" + types[i] + ")" + names[i + 1] + ".Length");
                    break;
                default:
                    arguments.Add(names[i]);
                    break;
            }
        }

        w.OpenBrace();
        var call = Identifier(function.Name) + "(" + string.Join(", ", arguments) + ");";
        w.Line(returnType == "void" ? call : "return " + call);
        w.Close();
        w.Close();
    }

    private static List<ParameterShape> ClassifyParameters(IReadOnlyList<ParameterInfo> parameters)
    {
        var shapes = Enumerable.Repeat(ParameterShape.Raw, parameters.Count).ToList();
        for (var i = 0; i < parameters.Count; i++)
        {
            if (shapes[i] != ParameterShape.Raw || !IsCharPointer(parameters[i].Type, out var isConst))
            {
                continue;
            }

            var next = i + 1 < parameters.Count ? parameters[i + 1] : null;
            if (next is not null && IsSizeT(next.Type) && IsLengthName(next.Name))
            {
                shapes[i] = isConst ? ParameterShape.DataIn : ParameterShape.DataOut;
                shapes[i + 1] = ParameterShape.LengthOfPrevious;
            }
            else if (!isConst && next is not null && IsSizeTPointer(next.Type))
            {
                shapes[i] = ParameterShape.OutBuffer;
                shapes[i + 1] = ParameterShape.InOutLength;
            }
            else if (RawBufferNames.Contains(parameters[i].Name) && i > 0 && shapes[i - 1] == ParameterShape.Raw
                     && IsSizeT(parameters[i - 1].Type) && IsLengthName(parameters[i - 1].Name))
            {
                // rbd_read/rbd_write: (size_t len, char *buf)
                shapes[i] = isConst ? ParameterShape.DataIn : ParameterShape.DataOut;
                shapes[i - 1] = ParameterShape.LengthOfNext;
            }
            else if (isConst && !RawBufferNames.Contains(parameters[i].Name))
            {
                shapes[i] = ParameterShape.CString;
            }
        }

        return shapes;
    }

    private static ParameterInfo LengthParameter(IReadOnlyList<ParameterInfo> parameters, List<ParameterShape> shapes, int index) =>
        index + 1 < parameters.Count && shapes[index + 1] == ParameterShape.LengthOfPrevious ? parameters[index + 1] : parameters[index - 1];

    private static bool IsCharPointer(CType type, out bool isConst)
    {
        isConst = false;
        if (type.Kind != "pointer" || type.Pointee is not { } pointee)
        {
            return false;
        }

        isConst = pointee.Const;
        return pointee.Kind == "builtin" && pointee.Name == "char";
    }

    private static bool IsSizeT(CType type) => type.Kind == "typedef" && type.Name == "size_t";

    private static bool IsSizeTPointer(CType type) =>
        type.Kind == "pointer" && type.Pointee is { } p && !p.Const && IsSizeT(p);

    private static bool IsLengthName(string name) =>
        name.IndexOf("len", StringComparison.OrdinalIgnoreCase) >= 0
        || name.IndexOf("size", StringComparison.OrdinalIgnoreCase) >= 0
        || name.IndexOf("max", StringComparison.OrdinalIgnoreCase) >= 0;
}
