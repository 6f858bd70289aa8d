using System.Collections.Generic;

namespace Rbdfence.Interop.Generator;

/// <summary>Named C enums become C# enums with clang's underlying type.</summary>
internal sealed partial class Generator
{
    private IEnumerable<GeneratedSource> EmitEnums()
    {
        foreach (var name in _selectedEnums)
        {
            var e = _enums[name];
            var underlying = MapIntegral(e.Underlying);
            var w = StartFile("C enum " + e.Name + " from " + e.Header + ".");
            w.Line("/// <summary>C enum <c>" + XmlEscape(e.Name) + "</c> from <c>" + XmlEscape(e.Header) + "</c>.</summary>");
            w.Line("[NativeTypeName(" + Quote(e.Underlying.C.Length > 0 ? e.Underlying.C : underlying) + ")]");
            w.Open("public enum " + Identifier(e.Name) + " : " + underlying);
            foreach (var constant in e.Constants)
            {
                w.Line(Identifier(constant.Name) + " = " + Literal(underlying, constant.Value) + ",");
            }

            w.Close();
            yield return new GeneratedSource("Enums." + e.Name + ".g.cs", w.ToString());
        }
    }
}
