namespace Rbdfence.Interop.Generator;

/// <summary>Support types every output needs: library names, [NativeTypeName], span helpers.</summary>
internal sealed partial class Generator
{
    private GeneratedSource EmitLibraries()
    {
        var w = StartFile("Native library names.", usesInteropServices: false);
        w.Line("/// <summary>The shared objects the bindings load (sonames, so no -dev package is needed at run time).</summary>");
        w.Open("public static partial class Libraries");
        var first = true;
        foreach (var library in Libraries.Values)
        {
            if (!first)
            {
                w.Line();
            }

            first = false;
            w.Line("public const string " + library.ClassName + " = " + Quote(library.SoName) + ";");
        }

        w.Close();
        return new GeneratedSource("Libraries.g.cs", w.ToString());
    }

    private GeneratedSource EmitNativeTypeNameAttribute()
    {
        var w = StartFile("Records the C type of a binding.");
        w.Line("/// <summary>The C type a C# parameter, return value, field or type stands for.</summary>");
        w.Line("[AttributeUsage(AttributeTargets.Struct | AttributeTargets.Enum | AttributeTargets.Field | AttributeTargets.Parameter | AttributeTargets.ReturnValue, AllowMultiple = false, Inherited = true)]");
        w.Open("internal sealed partial class NativeTypeNameAttribute : Attribute");
        w.Line("public NativeTypeNameAttribute(string name) => Name = name;");
        w.Line();
        w.Line("/// <summary>The C spelling, e.g. <c>const char *</c>.</summary>");
        w.Line("public string Name { get; }");
        w.Close();
        return new GeneratedSource("NativeTypeNameAttribute.g.cs", w.ToString());
    }

    private GeneratedSource EmitInteropHelpers()
    {
        var w = StartFile("Argument checks of the span overloads.");
        w.Line("/// <summary>Argument checks shared by the generated span overloads.</summary>");
        w.Open("internal static partial class InteropHelpers");
        w.Line("/// <summary>C strings are passed without copying, so the caller supplies the terminating NUL.</summary>");
        w.Open("public static void ThrowIfNotNulTerminated(ReadOnlySpan<byte> value, string paramName)");
        w.Open("if (!value.IsEmpty && value[value.Length - 1] != 0)");
        w.Line("throw new ArgumentException(\"The UTF-8 string must end with a NUL byte (use \\\"...\\\\0\\\"u8), or be empty to pass NULL.\", paramName);");
        w.Close();
        w.Close();
        w.Line();
        w.Line("/// <summary>The library writes up to <paramref name=\"length\"/> bytes into the buffer.</summary>");
        w.Open("public static void ThrowIfLengthExceedsBuffer(nuint length, int bufferLength, string paramName)");
        w.Open("if (length > (nuint)bufferLength)");
        w.Line("throw new ArgumentOutOfRangeException(paramName, length, \"The length must not exceed the buffer's length (\" + bufferLength + \").\");");
        w.Close();
        w.Close();
        w.Close();
        return new GeneratedSource("InteropHelpers.g.cs", w.ToString());
    }
}
