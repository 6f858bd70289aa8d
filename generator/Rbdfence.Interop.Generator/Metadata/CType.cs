using System.Collections.Generic;

namespace Rbdfence.Interop.Generator.Metadata;

/// <summary>A C type as recorded by the scraper (docs/BINDINGS-METADATA.md, "TYPE").</summary>
internal sealed class CType
{
    public CType(string kind, string c) => (Kind, C) = (kind, c);

    /// <summary>void, builtin, typedef, pointer, array, struct, union, enum or function.</summary>
    public string Kind { get; }

    /// <summary>The spelling as written in the header, e.g. <c>const char *</c>.</summary>
    public string C { get; }

    public bool Const { get; set; }

    /// <summary>builtin, typedef, struct, union and enum: the C name.</summary>
    public string? Name { get; set; }

    /// <summary>builtin: the size in bytes.</summary>
    public int Size { get; set; }

    /// <summary>typedef: the type with typedefs stripped.</summary>
    public CType? Canonical { get; set; }

    /// <summary>pointer: the pointee.</summary>
    public CType? Pointee { get; set; }

    /// <summary>array: the element type.</summary>
    public CType? Element { get; set; }

    /// <summary>array: the length, null for <c>[]</c>.</summary>
    public long? Length { get; set; }

    /// <summary>function: the return type.</summary>
    public CType? Returns { get; set; }

    /// <summary>function: the parameter types.</summary>
    public IReadOnlyList<CType> Parameters { get; set; } = [];

    public bool Variadic { get; set; }
}
