using System;
using System.Collections.Generic;
using System.Linq;
using Rbdfence.Interop.Generator.Metadata;

namespace Rbdfence.Interop.Generator;

/// <summary>
/// C → C# type mapping (LP64 Linux). Everything maps to a blittable type so the
/// LibraryImport generator emits plain forwarders under DisableRuntimeMarshalling:
/// char → byte (UTF-8 code unit), _Bool → byte, long/unsigned long → nint/nuint
/// (8 bytes, like size_t/ssize_t), [u]intN_t → sized integers, time_t → long,
/// opaque handles → handle structs, callbacks → function-pointer structs.
/// </summary>
internal sealed partial class Generator
{
    /// <summary>Standard typedefs mapped by name, before falling back to their canonical type.</summary>
    private static readonly Dictionary<string, string> WellKnownTypedefs = new(StringComparer.Ordinal)
    {
        ["size_t"] = "nuint",
        ["ssize_t"] = "nint",
        ["intptr_t"] = "nint",
        ["uintptr_t"] = "nuint",
        ["ptrdiff_t"] = "nint",
        ["int8_t"] = "sbyte",
        ["uint8_t"] = "byte",
        ["int16_t"] = "short",
        ["uint16_t"] = "ushort",
        ["int32_t"] = "int",
        ["uint32_t"] = "uint",
        ["int64_t"] = "long",
        ["uint64_t"] = "ulong",
        ["time_t"] = "long",
        ["off_t"] = "long",
    };

    private static readonly HashSet<string> FixedBufferElementTypes = new(StringComparer.Ordinal)
    {
        "byte", "sbyte", "short", "ushort", "int", "uint", "long", "ulong", "float", "double",
    };

    /// <summary>The C# type of a parameter, return value, field or pointee.</summary>
    private string MapType(CType type)
    {
        switch (type.Kind)
        {
            case "void":
                return "void";
            case "builtin":
                return MapBuiltin(type, forConstant: false);
            case "typedef":
                return MapTypedef(type);
            case "pointer":
                return MapPointer(type);
            case "array":
                // Only reached for parameters, where C arrays decay to pointers; fields are
                // handled by the struct emitter.
                return MapType(type.Element!) + "*";
            case "struct":
            case "union":
                if (_structs.ContainsKey(type.Name ?? ""))
                {
                    return Identifier(type.Name!);
                }

                throw new UnmappableTypeException(type.Kind + " " + type.Name + " is not described in the metadata");
            case "enum":
                if (_enums.ContainsKey(type.Name ?? ""))
                {
                    return Identifier(type.Name!);
                }

                var anonymous = _metadata.Enums.FirstOrDefault(e => e.Name == type.Name);
                if (anonymous is not null)
                {
                    return MapIntegral(anonymous.Underlying);
                }

                throw new UnmappableTypeException("enum " + type.Name + " is not described in the metadata");
            case "function":
                return MapFunctionPointer(type);
            default:
                throw new UnmappableTypeException("unknown type kind " + type.Kind);
        }
    }

    private string MapTypedef(CType type)
    {
        var name = type.Name ?? "";
        if (_callbacks.ContainsKey(name) || _handles.ContainsKey(name))
        {
            return Identifier(name);
        }

        if (WellKnownTypedefs.TryGetValue(name, out var mapped))
        {
            return mapped;
        }

        if (_typedefs.TryGetValue(name, out var typedef))
        {
            return MapType(typedef.Type);
        }

        if (type.Canonical is not null)
        {
            return MapType(type.Canonical);
        }

        throw new UnmappableTypeException("typedef " + name + " has no canonical type");
    }

    private string MapPointer(CType type)
    {
        var pointee = type.Pointee!;
        var stripped = StripTypedefs(pointee);
        if (stripped.Kind == "function" && !(pointee.Kind == "typedef" && _callbacks.ContainsKey(pointee.Name ?? "")))
        {
            return MapFunctionPointer(stripped);
        }

        // A pointer to a struct the headers only forward-declare from elsewhere
        // (struct timespec, struct timeval, ...) is passed through untyped.
        if ((stripped.Kind == "struct" || stripped.Kind == "union") && !_structs.ContainsKey(stripped.Name ?? ""))
        {
            return "void*";
        }

        return MapType(pointee) + "*";
    }

    private string MapFunctionPointer(CType function)
    {
        if (function.Variadic)
        {
            throw new UnmappableTypeException("variadic function pointer");
        }

        var parts = function.Parameters.Select(MapType).ToList();
        parts.Add(MapType(function.Returns!));
        return "delegate* unmanaged<" + string.Join(", ", parts) + ">";
    }

    private static string MapBuiltin(CType type, bool forConstant)
    {
        switch (type.Name)
        {
            case "char":
            case "unsigned char":
            case "_Bool":
                return "byte";
            case "signed char":
                return "sbyte";
            case "short":
                return "short";
            case "unsigned short":
                return "ushort";
            case "int":
                return "int";
            case "unsigned int":
                return "uint";
            case "long":
                return forConstant ? "long" : "nint";
            case "unsigned long":
                return forConstant ? "ulong" : "nuint";
            case "long long":
                return "long";
            case "unsigned long long":
                return "ulong";
            case "float":
                return "float";
            case "double":
                return "double";
            default:
                throw new UnmappableTypeException("builtin type '" + type.Name + "' has no C# equivalent");
        }
    }

    /// <summary>The C# integral type of a constant or an enum's underlying type (never nint).</summary>
    private string MapIntegral(CType type)
    {
        switch (type.Kind)
        {
            case "builtin":
                var mapped = MapBuiltin(type, forConstant: true);
                if (mapped == "float" || mapped == "double")
                {
                    throw new UnmappableTypeException("floating-point constants are not supported");
                }

                return mapped;
            case "typedef":
                if (WellKnownTypedefs.TryGetValue(type.Name ?? "", out var known))
                {
                    return known switch
                    {
                        "nint" => "long",
                        "nuint" => "ulong",
                        _ => known,
                    };
                }

                if (_typedefs.TryGetValue(type.Name ?? "", out var typedef))
                {
                    return MapIntegral(typedef.Type);
                }

                return type.Canonical is not null
                    ? MapIntegral(type.Canonical)
                    : throw new UnmappableTypeException("typedef " + type.Name + " has no canonical type");
            case "enum":
                var e = _metadata.Enums.FirstOrDefault(x => x.Name == type.Name);
                return e is not null
                    ? MapIntegral(e.Underlying)
                    : throw new UnmappableTypeException("enum " + type.Name + " is not described in the metadata");
            default:
                throw new UnmappableTypeException("'" + type.C + "' is not an integral type");
        }
    }

    /// <summary>A C# literal of <paramref name="csType"/> for the decimal <paramref name="value"/>.</summary>
    private static string Literal(string csType, string value)
    {
        var negative = value.StartsWith("-", StringComparison.Ordinal);
        switch (csType)
        {
            case "int":
                return value;
            case "long":
                return value + "L";
            case "uint":
                return negative ? "unchecked((uint)(" + value + "))" : value + "U";
            case "ulong":
                return negative ? "unchecked((ulong)(" + value + "L))" : value + "UL";
            default:
                return "unchecked((" + csType + ")(" + value + "))";
        }
    }

    /// <summary>The [NativeTypeName] attribute text when the C spelling adds information.</summary>
    private static string NativeTypeName(CType type, string csType, string target = "")
    {
        var c = type.C.Length > 0 ? type.C : csType;
        return c == csType ? "" : "[" + target + "NativeTypeName(" + Quote(c) + ")] ";
    }
}
