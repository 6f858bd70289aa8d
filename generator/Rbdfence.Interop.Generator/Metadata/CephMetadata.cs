using System.Collections.Generic;

namespace Rbdfence.Interop.Generator.Metadata;

/// <summary>One <c>bindings/metadata/ceph-&lt;release&gt;.json</c> file (schema 1).</summary>
internal sealed class CephMetadata
{
    public string Release { get; set; } = "";

    public string Package { get; set; } = "";

    public IReadOnlyList<FunctionInfo> Functions { get; set; } = [];

    public IReadOnlyList<TypedefInfo> Typedefs { get; set; } = [];

    public IReadOnlyList<EnumInfo> Enums { get; set; } = [];

    public IReadOnlyList<StructInfo> Structs { get; set; } = [];

    public IReadOnlyList<CallbackInfo> Callbacks { get; set; } = [];

    public IReadOnlyList<ConstantInfo> Constants { get; set; } = [];
}

internal sealed class ParameterInfo
{
    public ParameterInfo(string name, CType type) => (Name, Type) = (name, type);

    public string Name { get; }

    public CType Type { get; }
}

internal sealed class FunctionInfo
{
    public string Name { get; set; } = "";

    public string Library { get; set; } = "";

    public string Header { get; set; } = "";

    public string Signature { get; set; } = "";

    public CType Returns { get; set; } = new CType("void", "void");

    public IReadOnlyList<ParameterInfo> Parameters { get; set; } = [];

    public bool Variadic { get; set; }

    public bool Deprecated { get; set; }
}

internal sealed class TypedefInfo
{
    public string Name { get; set; } = "";

    public string Header { get; set; } = "";

    public CType Type { get; set; } = new CType("void", "void");
}

internal sealed class EnumConstantInfo
{
    public EnumConstantInfo(string name, string value) => (Name, Value) = (name, value);

    public string Name { get; }

    public string Value { get; }
}

internal sealed class EnumInfo
{
    public string Name { get; set; } = "";

    public string Header { get; set; } = "";

    public CType Underlying { get; set; } = new CType("void", "void");

    public IReadOnlyList<EnumConstantInfo> Constants { get; set; } = [];

    /// <summary>
    /// <c>enum { A, B };</c> has no usable name; its constants become plain constants of the
    /// underlying type.
    /// </summary>
    public bool IsAnonymous =>
        Name.Length == 0 || Name.IndexOf('(') >= 0 || Name.IndexOf(' ') >= 0 || Name.IndexOf(':') >= 0;
}

internal sealed class FieldInfo
{
    public string Name { get; set; } = "";

    public CType Type { get; set; } = new CType("void", "void");

    public long Offset { get; set; }

    public int? BitWidth { get; set; }
}

internal sealed class StructInfo
{
    public string Name { get; set; } = "";

    public string Header { get; set; } = "";

    /// <summary>"struct" or "union".</summary>
    public string Kind { get; set; } = "struct";

    /// <summary>Null for an opaque (declared, never defined) struct.</summary>
    public long? Size { get; set; }

    public long? Align { get; set; }

    public IReadOnlyList<FieldInfo> Fields { get; set; } = [];

    public bool IsOpaque => Size is null;
}

internal sealed class CallbackInfo
{
    public string Name { get; set; } = "";

    public string Header { get; set; } = "";

    public CType Returns { get; set; } = new CType("void", "void");

    public IReadOnlyList<ParameterInfo> Parameters { get; set; } = [];
}

internal sealed class ConstantInfo
{
    public string Name { get; set; } = "";

    public string Header { get; set; } = "";

    public CType Type { get; set; } = new CType("void", "void");

    /// <summary>Decimal value as evaluated by clang.</summary>
    public string Value { get; set; } = "";

    public string Expression { get; set; } = "";
}
