using System.Collections.Generic;

namespace Rbdfence.Interop.Generator;

/// <summary>
/// <c>typedef void *rbd_image_t;</c> becomes a readonly struct wrapping the pointer as
/// <c>nint</c>: still blittable, but an rbd_image_t cannot be passed where a rados_ioctx_t
/// is expected.
/// </summary>
internal sealed partial class Generator
{
    private IEnumerable<GeneratedSource> EmitHandles()
    {
        foreach (var name in _selectedHandles)
        {
            var h = _handles[name];
            var type = Identifier(h.Name);
            var w = StartFile("C handle " + h.Name + " from " + h.Header + ".");
            w.Line("/// <summary>Opaque C handle <c>" + XmlEscape("typedef " + h.Type.C + " " + h.Name) + "</c> from <c>" + XmlEscape(h.Header) + "</c>.</summary>");
            w.Line("[NativeTypeName(" + Quote(h.Type.C) + ")]");
            w.Open("public readonly partial struct " + type + " : IEquatable<" + type + ">");
            w.Line("/// <summary>The raw pointer value.</summary>");
            w.Line("public readonly nint Value;");
            w.Line();
            w.Line("public " + type + "(nint value) => Value = value;");
            w.Line();
            w.Line("/// <summary>The NULL handle.</summary>");
            w.Line("public static " + type + " Null => default;");
            w.Line();
            w.Line("public bool IsNull => Value == 0;");
            w.Line();
            w.Line("public static bool operator ==(" + type + " left, " + type + " right) => left.Value == right.Value;");
            w.Line();
            w.Line("public static bool operator !=(" + type + " left, " + type + " right) => left.Value != right.Value;");
            w.Line();
            w.Line("public bool Equals(" + type + " other) => Value == other.Value;");
            w.Line();
            w.Line("public override bool Equals(object? obj) => obj is " + type + " other && Equals(other);");
            w.Line();
            w.Line("public override int GetHashCode() => Value.GetHashCode();");
            w.Line();
            w.Line("public override string ToString() => " + Quote(h.Name + "(0x") + " + Value.ToString(\"x\") + \")\";");
            w.Close();
            yield return new GeneratedSource("Handles." + h.Name + ".g.cs", w.ToString());
        }
    }
}
