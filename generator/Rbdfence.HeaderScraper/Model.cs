using System.Collections.Generic;

namespace Rbdfence.HeaderScraper;

// The in-memory form of docs/BINDINGS-METADATA.md (schema 1). Only the scraper builds it;
// MetadataWriter turns it into JSON. Nothing here is C#-specific.

/// <summary>A TYPE object: <c>C</c> is clang's spelling, <c>Kind</c> selects which other members apply.</summary>
internal sealed class CType
{
    public required string C { get; init; }
    public required string Kind { get; init; }
    public bool Const { get; init; }
    public string? Name { get; init; }                 // builtin, typedef, struct, union, enum
    public long? Size { get; init; }                   // builtin
    public CType? Canonical { get; init; }             // typedef
    public CType? Pointee { get; init; }               // pointer
    public CType? Element { get; init; }               // array
    public long? Length { get; init; }                 // array; null for []
    public CType? Returns { get; init; }               // function
    public IReadOnlyList<CType>? Parameters { get; init; } // function
    public bool Variadic { get; init; }                // function
}

internal sealed record Parameter(string Name, CType Type);

internal sealed record Function(
    string Name, string Library, string Header, string Signature, CType Returns,
    IReadOnlyList<Parameter> Parameters, bool Variadic, bool Deprecated);

internal sealed record Typedef(string Name, string Header, CType Type);

internal sealed record EnumConstant(string Name, string Value);

internal sealed record Enumeration(string Name, string Header, CType Underlying, IReadOnlyList<EnumConstant> Constants);

internal sealed record Field(string Name, CType Type, long Offset, int? BitWidth);

internal sealed record Record(string Name, string Header, string Kind, long? Size, long? Align, IReadOnlyList<Field> Fields);

internal sealed record Callback(string Name, string Header, CType Returns, IReadOnlyList<Parameter> Parameters);

internal sealed record Constant(string Name, string Header, CType Type, string Value, string Expression);

internal sealed record ApiMetadata(
    string Release,
    string Package,
    IReadOnlyList<string> Headers,
    IReadOnlyList<Function> Functions,
    IReadOnlyList<Typedef> Typedefs,
    IReadOnlyList<Enumeration> Enums,
    IReadOnlyList<Record> Structs,
    IReadOnlyList<Callback> Callbacks,
    IReadOnlyList<Constant> Constants)
{
    public const int Schema = 1;
}
