using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Rbdfence.HeaderScraper.Clang;

namespace Rbdfence.HeaderScraper;

/// <summary>
/// Evaluates object-like macros with clang: a second in-memory file includes the headers and
/// declares <c>static __auto_type __probe_NAME = (NAME);</c> per macro; each probe variable's
/// initializer is evaluated and its (canonical) type recorded. Non-integer results are skipped.
/// </summary>
internal static class MacroEvaluator
{
    private const string ProbeName = "rbdfence-scrape-macros.c";
    private const string ProbePrefix = "__probe_";

    public static IReadOnlyList<Constant> Evaluate(
        IReadOnlyList<Macro> macros, string includes, IReadOnlyList<string> arguments, TypeMapper types)
    {
        var candidates = macros.Where(m => m.MayBeInteger).GroupBy(m => m.Name).Select(g => g.Last())
            .ToDictionary(m => m.Name);
        var source = new StringBuilder(includes);
        foreach (Macro macro in candidates.Values)
        {
            source.Append("static __auto_type ").Append(ProbePrefix).Append(macro.Name)
                .Append(" = (").Append(macro.Name).Append(");\n");
        }

        using var unit = TranslationUnit.Parse(ProbeName, source.ToString(), arguments, 0);
        var constants = new List<Constant>();
        foreach (CXCursor cursor in Native.Children(unit.Cursor))
        {
            if (Interop.clang_getCursorKind(cursor) != Interop.CursorVarDecl
                || Native.Location(cursor).File != ProbeName)
            {
                continue;
            }
            string name = Native.Spelling(cursor);
            if (!name.StartsWith(ProbePrefix, System.StringComparison.Ordinal)
                || !candidates.TryGetValue(name[ProbePrefix.Length..], out Macro? macro))
            {
                continue;
            }

            CXType type = Interop.clang_getCanonicalType(Interop.clang_getCursorType(cursor));
            if (Evaluate(cursor) is string value && TypeMapper.IsInteger(type.Kind))
            {
                constants.Add(new Constant(macro.Name, macro.Header, types.Map(type), value, macro.Expression));
            }
        }
        return constants;
    }

    private static string? Evaluate(CXCursor variable)
    {
        nint result = Interop.clang_Cursor_Evaluate(variable);
        if (result == 0)
        {
            return null;
        }
        try
        {
            if (Interop.clang_EvalResult_getKind(result) != Interop.EvalInt)
            {
                return null;
            }
            return Interop.clang_EvalResult_isUnsignedInt(result) != 0
                ? Interop.clang_EvalResult_getAsUnsigned(result).ToString(CultureInfo.InvariantCulture)
                : Interop.clang_EvalResult_getAsLongLong(result).ToString(CultureInfo.InvariantCulture);
        }
        finally
        {
            Interop.clang_EvalResult_dispose(result);
        }
    }
}
