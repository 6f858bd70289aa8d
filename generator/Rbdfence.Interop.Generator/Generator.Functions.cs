using System.Collections.Generic;
using System.Linq;
using Rbdfence.Interop.Generator.Metadata;

namespace Rbdfence.Interop.Generator;

internal sealed partial class Generator
{
    /// <summary>One <c>public static unsafe partial class</c> per library holding its functions.</summary>
    private IEnumerable<GeneratedSource> EmitFunctions()
    {
        var byLibrary = _selectedFunctions
            .Select(name => _functions[name])
            .GroupBy(f => f.Library)
            .OrderBy(g => g.Key, System.StringComparer.Ordinal);
        foreach (var group in byLibrary)
        {
            if (!Libraries.TryGetValue(group.Key, out var library))
            {
                continue;
            }

            var w = StartFile(library.Name + " functions.");
            var impl = StartFile(library.Name + " function bodies (the P/Invoke stubs LibraryImport would generate).");
            w.Open("public static unsafe partial class " + library.ClassName);
            impl.Open("public static unsafe partial class " + library.ClassName);
            var first = true;
            foreach (var function in group)
            {
                if (!first)
                {
                    w.Line();
                }

                if (!first && !function.Variadic)
                {
                    impl.Line();
                }

                first = false;
                if (function.Variadic)
                {
                    w.Line("// " + function.Signature);
                    w.Line("// " + function.Name + " is variadic: LibraryImport cannot bind C varargs, so it is not generated.");
                    continue;
                }

                EmitFunction(w, function, library);
                EmitFunctionBody(impl, function, library);
                EmitSpanOverload(w, function);
            }

            w.Close();
            impl.Close();
            yield return new GeneratedSource(library.ClassName + ".Functions.g.cs", w.ToString());
            yield return new GeneratedSource(library.ClassName + ".Functions.PInvoke.g.cs", impl.ToString());
        }
    }

    private void EmitFunction(CodeWriter w, FunctionInfo function, LibraryInfo library)
    {
        w.Line("/// <summary><c>" + XmlEscape(function.Signature) + "</c></summary>");
        w.Line("/// <remarks>Declared in <c>" + XmlEscape(function.Header) + "</c>.</remarks>");
        if (function.Deprecated)
        {
            w.Line("[Obsolete(" + Quote(function.Name + " is deprecated in the Ceph " + _metadata.Release + " headers.") + ")]");
        }

        w.Line("[LibraryImport(Libraries." + library.ClassName + ", EntryPoint = " + Quote(function.Name) + ")]");
        var returnType = MapType(function.Returns);
        var returnAttribute = NativeTypeName(function.Returns, returnType, "return: ");
        if (returnAttribute.Length > 0)
        {
            w.Line(returnAttribute.TrimEnd());
        }

        var parameters = function.Parameters.Select((p, i) =>
        {
            var cs = MapType(p.Type);
            return NativeTypeName(p.Type, cs) + cs + " " + ParameterName(p, i);
        });
        w.Line("public static partial " + returnType + " " + Identifier(function.Name) + "(" + string.Join(", ", parameters) + ");");
    }

    /// <summary>
    /// The implementing part of a [LibraryImport] declaration. Source generators never see
    /// each other's output, so the LibraryImport generator cannot implement methods this
    /// generator declares; every signature is blittable (and the assembly disables runtime
    /// marshalling), so the stub it would emit is exactly this: a direct DllImport forwarder.
    /// </summary>
    private void EmitFunctionBody(CodeWriter w, FunctionInfo function, LibraryInfo library)
    {
        var returnType = MapType(function.Returns);
        var parameters = function.Parameters.Select((p, i) => MapType(p.Type) + " " + ParameterName(p, i)).ToList();
        var arguments = function.Parameters.Select(ParameterName).ToList();
        var call = "__PInvoke(" + string.Join(", ", arguments) + ");";
        w.Open("public static partial " + returnType + " " + Identifier(function.Name) + "(" + string.Join(", ", parameters) + ")");
        w.Line(returnType == "void" ? call : "return " + call);
        w.Line();
        w.Line("[DllImport(Libraries." + library.ClassName + ", EntryPoint = " + Quote(function.Name) + ", ExactSpelling = true)]");
        w.Line("static extern " + returnType + " __PInvoke(" + string.Join(", ", parameters) + ");");
        w.Close();
    }

    private static string ParameterName(ParameterInfo parameter, int index) =>
        parameter.Name.Length == 0 ? "param" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) : Identifier(parameter.Name);
}
