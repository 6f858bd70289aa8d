using System.Collections.Generic;
using System.Linq;

namespace Rbdfence.Interop.Generator;

/// <summary>
/// A callback typedef becomes a struct named like the typedef wrapping one
/// <c>delegate* unmanaged&lt;…&gt;</c>: blittable, and distinct per C typedef.
/// </summary>
internal sealed partial class Generator
{
    private IEnumerable<GeneratedSource> EmitCallbacks()
    {
        foreach (var name in _selectedCallbacks)
        {
            var c = _callbacks[name];
            var type = Identifier(c.Name);
            var parameterTypes = c.Parameters.Select(p => MapType(p.Type)).ToList();
            parameterTypes.Add(MapType(c.Returns));
            var pointer = "delegate* unmanaged<" + string.Join(", ", parameterTypes) + ">";
            var prototype = "typedef " + c.Returns.C + " (*" + c.Name + ")("
                + string.Join(", ", c.Parameters.Select(p => p.Name.Length == 0 ? p.Type.C : p.Type.C + (p.Type.C.EndsWith("*", System.StringComparison.Ordinal) ? "" : " ") + p.Name))
                + ")";
            var w = StartFile("C callback " + c.Name + " from " + c.Header + ".");
            w.Line("/// <summary>C callback <c>" + XmlEscape(prototype) + "</c> from <c>" + XmlEscape(c.Header) + "</c>.</summary>");
            w.Line("/// <remarks>Point it at a static method marked <c>[UnmanagedCallersOnly]</c>.</remarks>");
            w.Line("[NativeTypeName(" + Quote(prototype) + ")]");
            w.Open("public readonly unsafe partial struct " + type);
            w.Line("public readonly " + pointer + " Value;");
            w.Line();
            w.Line("public " + type + "(" + pointer + " value) => Value = value;");
            w.Line();
            w.Line("public bool IsNull => Value == null;");
            w.Close();
            yield return new GeneratedSource("Callbacks." + c.Name + ".g.cs", w.ToString());
        }
    }
}
