using System;
using System.Collections.Generic;
using Rbdfence.HeaderScraper.Clang;

namespace Rbdfence.HeaderScraper;

/// <summary>Turns a clang <see cref="CXType"/> into a metadata TYPE.</summary>
internal sealed class TypeMapper(IReadOnlyDictionary<string, string> anonymousTagNames)
{
    /// <summary>The name a struct, union or enum declaration goes by in the metadata.</summary>
    public string TagName(CXCursor declaration)
    {
        if (anonymousTagNames.TryGetValue(Native.DeclarationKey(declaration), out string? name))
        {
            return name;
        }
        string spelling = Native.Spelling(declaration);
        return IsUnnamed(spelling) ? "" : spelling;
    }

    /// <summary>Depending on the clang version an unnamed tag is spelled "" or "enum (unnamed at f.h:1:9)".</summary>
    public static bool IsUnnamed(string spelling) =>
        spelling.Length == 0 || spelling.Contains("(unnamed", StringComparison.Ordinal)
        || spelling.Contains("(anonymous", StringComparison.Ordinal);

    /// <summary>
    /// The typedef's name if it is also the name of the struct/union/enum it aliases, as in
    /// <c>typedef struct { ... } x;</c> and <c>typedef struct x { ... } x;</c>; such a typedef
    /// is not listed separately, and TYPEs that use it are the struct/enum itself.
    /// </summary>
    public string? NamesTag(CXCursor typedef)
    {
        CXType underlying = Desugar(Interop.clang_getTypedefDeclUnderlyingType(typedef));
        if (underlying.Kind is not (Interop.TypeRecord or Interop.TypeEnum))
        {
            return null;
        }
        string name = Native.Spelling(typedef);
        return TagName(Interop.clang_getTypeDeclaration(underlying)) == name ? name : null;
    }

    public CType Map(CXType type)
    {
        string c = Native.Spelling(type);
        bool isConst = Interop.clang_isConstQualifiedType(type) != 0;
        switch (type.Kind)
        {
            case Interop.TypeElaborated:
            case Interop.TypeAttributed:
                return WithSpelling(Map(Desugar(type)), c, isConst);
            case Interop.TypeVoid:
                return new CType { C = c, Kind = "void", Const = isConst };
            case Interop.TypePointer:
                return new CType { C = c, Kind = "pointer", Const = isConst, Pointee = Map(Interop.clang_getPointeeType(type)) };
            case Interop.TypeConstantArray:
                return new CType
                {
                    C = c,
                    Kind = "array",
                    Const = isConst,
                    Element = Map(Interop.clang_getArrayElementType(type)),
                    Length = Interop.clang_getArraySize(type),
                };
            case Interop.TypeIncompleteArray:
                return new CType { C = c, Kind = "array", Const = isConst, Element = Map(Interop.clang_getArrayElementType(type)) };
            case Interop.TypeRecord:
            case Interop.TypeEnum:
                {
                    CXCursor decl = Interop.clang_getTypeDeclaration(type);
                    string kind = type.Kind == Interop.TypeEnum ? "enum"
                        : Interop.clang_getCursorKind(decl) == Interop.CursorUnionDecl ? "union" : "struct";
                    return new CType { C = c, Kind = kind, Const = isConst, Name = TagName(decl) };
                }
            case Interop.TypeTypedef:
                {
                    CXCursor decl = Interop.clang_getTypeDeclaration(type);
                    if (NamesTag(decl) is not null)
                    {
                        // `typedef struct { ... } x;`: the struct is called x, so is the TYPE.
                        return WithSpelling(Map(Interop.clang_getTypedefDeclUnderlyingType(decl)), c, isConst);
                    }
                    return new CType
                    {
                        C = c,
                        Kind = "typedef",
                        Const = isConst,
                        Name = Native.Spelling(decl),
                        Canonical = Map(Interop.clang_getCanonicalType(type)),
                    };
                }
            case Interop.TypeFunctionProto:
            case Interop.TypeFunctionNoProto:
                return MapFunction(type, c);
            default:
                if (BuiltinName(type.Kind) is string builtin)
                {
                    return new CType { C = c, Kind = "builtin", Const = isConst, Name = builtin, Size = Interop.clang_Type_getSizeOf(type) };
                }
                throw new NotSupportedException($"unsupported C type '{c}' (CXTypeKind {type.Kind})");
        }
    }

    private CType MapFunction(CXType type, string c)
    {
        int count = Math.Max(0, Interop.clang_getNumArgTypes(type));
        var parameters = new List<CType>(count);
        for (uint i = 0; i < count; i++)
        {
            parameters.Add(Map(Interop.clang_getArgType(type, i)));
        }
        return new CType
        {
            C = c,
            Kind = "function",
            Returns = Map(Interop.clang_getResultType(type)),
            Parameters = parameters,
            Variadic = Interop.clang_isFunctionTypeVariadic(type) != 0,
        };
    }

    /// <summary>Strips elaboration (<c>struct x</c>) and attributes, keeping typedef sugar.</summary>
    public static CXType Desugar(CXType type)
    {
        while (true)
        {
            if (type.Kind == Interop.TypeElaborated)
            {
                type = Interop.clang_Type_getNamedType(type);
            }
            else if (type.Kind == Interop.TypeAttributed)
            {
                type = Interop.clang_Type_getModifiedType(type);
            }
            else
            {
                return type;
            }
        }
    }

    private static CType WithSpelling(CType inner, string c, bool isConst) => new()
    {
        C = c,
        Kind = inner.Kind,
        Const = isConst || inner.Const,
        Name = inner.Name,
        Size = inner.Size,
        Canonical = inner.Canonical,
        Pointee = inner.Pointee,
        Element = inner.Element,
        Length = inner.Length,
        Returns = inner.Returns,
        Parameters = inner.Parameters,
        Variadic = inner.Variadic,
    };

    private static string? BuiltinName(int kind) => kind switch
    {
        Interop.TypeCharS or Interop.TypeCharU => "char",
        Interop.TypeSChar => "signed char",
        Interop.TypeUChar => "unsigned char",
        Interop.TypeShort => "short",
        Interop.TypeUShort => "unsigned short",
        Interop.TypeInt => "int",
        Interop.TypeUInt => "unsigned int",
        Interop.TypeLong => "long",
        Interop.TypeULong => "unsigned long",
        Interop.TypeLongLong => "long long",
        Interop.TypeULongLong => "unsigned long long",
        Interop.TypeFloat => "float",
        Interop.TypeDouble => "double",
        Interop.TypeBool => "_Bool",
        _ => null,
    };

    public static bool IsUnsigned(int kind) => kind is Interop.TypeCharU or Interop.TypeUChar or Interop.TypeUShort
        or Interop.TypeUInt or Interop.TypeULong or Interop.TypeULongLong or Interop.TypeBool;

    public static bool IsInteger(int kind) => IsUnsigned(kind) || kind is Interop.TypeCharS or Interop.TypeSChar
        or Interop.TypeShort or Interop.TypeInt or Interop.TypeLong or Interop.TypeLongLong;
}
