using System.Collections.Generic;
using System.Linq;

namespace Rbdfence.Interop.Generator;

/// <summary>
/// Integer macros and the constants of anonymous enums become <c>const</c> members of the
/// library class their header belongs to, typed as clang evaluated them (1ULL → ulong).
/// </summary>
internal sealed partial class Generator
{
    private IEnumerable<GeneratedSource> EmitConstants()
    {
        var items = new List<(string Library, string Name, string Doc, string Declaration)>();
        foreach (var name in _selectedConstants)
        {
            var c = _constants[name];
            string type;
            try
            {
                type = MapIntegral(c.Type);
            }
            catch (UnmappableTypeException ex)
            {
                _diagnostics.Add(Microsoft.CodeAnalysis.Diagnostic.Create(DiagnosticDescriptors.Unmappable, Microsoft.CodeAnalysis.Location.None, c.Name, ex.Message));
                continue;
            }

            var doc = "/// <summary><c>" + XmlEscape("#define " + c.Name + " " + c.Expression) + "</c> from <c>" + XmlEscape(c.Header) + "</c>.</summary>";
            var declaration = NativeTypeName(c.Type, type) + "public const " + type + " " + Identifier(c.Name) + " = " + Literal(type, c.Value) + ";";
            items.Add((LibraryForHeader(c.Header).ClassName, c.Name, doc, declaration));
        }

        foreach (var e in _selectedAnonymousEnums)
        {
            var type = MapIntegral(e.Underlying);
            foreach (var c in e.Constants)
            {
                var doc = "/// <summary>Constant of an anonymous enum in <c>" + XmlEscape(e.Header) + "</c>.</summary>";
                var declaration = NativeTypeName(e.Underlying, type) + "public const " + type + " " + Identifier(c.Name) + " = " + Literal(type, c.Value) + ";";
                items.Add((LibraryForHeader(e.Header).ClassName, c.Name, doc, declaration));
            }
        }

        foreach (var group in items.GroupBy(i => i.Library).OrderBy(g => g.Key, System.StringComparer.Ordinal))
        {
            var w = StartFile(group.Key + " constants.");
            w.Open("public static unsafe partial class " + group.Key);
            var first = true;
            foreach (var item in group.OrderBy(i => i.Name, System.StringComparer.Ordinal))
            {
                if (!first)
                {
                    w.Line();
                }

                first = false;
                w.Line(item.Doc);
                w.Line(item.Declaration);
            }

            w.Close();
            yield return new GeneratedSource(group.Key + ".Constants.g.cs", w.ToString());
        }
    }
}
