using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Rbdfence.HeaderScraper.Clang;

namespace Rbdfence.HeaderScraper;

/// <summary>Where the headers are and how to tell clang about them.</summary>
internal sealed record ScrapeOptions(string IncludeRoot, string BuiltinInclude, string Release, string Package);

/// <summary>Parses the four Ceph C headers with libclang and collects their API.</summary>
internal static class Scraper
{
    public static readonly IReadOnlyList<string> Headers =
        ["rados/librados.h", "rados/rados_types.h", "rbd/features.h", "rbd/librbd.h"];

    private const string SourceName = "rbdfence-scrape.c";

    public static ApiMetadata Scrape(ScrapeOptions options)
    {
        string root = Path.GetFullPath(options.IncludeRoot);
        var headerByPath = Headers.ToDictionary(h => Path.GetFullPath(Path.Combine(root, h)), h => h, StringComparer.Ordinal);
        foreach (string path in headerByPath.Keys)
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"header not found: {path}");
            }
        }

        string[] arguments = ClangArguments(root, options.BuiltinInclude);
        string includes = string.Concat(Headers.Select(h => $"#include <{h}>\n"));

        using var unit = TranslationUnit.Parse(SourceName, includes, arguments,
            Interop.DetailedPreprocessingRecord | Interop.SkipFunctionBodies);

        string? HeaderOf(CXCursor cursor)
        {
            string file = Native.Location(cursor).File;
            return file.Length > 0 && headerByPath.TryGetValue(Path.GetFullPath(file), out string? header) ? header : null;
        }

        var declarations = new List<(CXCursor Cursor, string Header)>();
        foreach (CXCursor cursor in Native.Children(unit.Cursor))
        {
            if (HeaderOf(cursor) is string header)
            {
                declarations.Add((cursor, header));
            }
        }

        var types = new TypeMapper(AnonymousTagNames(declarations.Select(d => d.Cursor)));
        var functions = new Dictionary<string, Function>(StringComparer.Ordinal);
        var typedefs = new Dictionary<string, Typedef>(StringComparer.Ordinal);
        var callbacks = new Dictionary<string, Callback>(StringComparer.Ordinal);
        var enums = new Dictionary<string, Enumeration>(StringComparer.Ordinal);
        var structs = new Dictionary<string, Record>(StringComparer.Ordinal);
        var macros = new List<Macro>();

        foreach (var (cursor, header) in declarations)
        {
            switch (Interop.clang_getCursorKind(cursor))
            {
                case Interop.CursorFunctionDecl:
                    functions.TryAdd(Native.Spelling(cursor), ReadFunction(cursor, header, types));
                    break;
                case Interop.CursorTypedefDecl:
                    ReadTypedef(cursor, header, types, typedefs, callbacks);
                    break;
                case Interop.CursorEnumDecl:
                    ReadEnum(cursor, header, types, enums);
                    break;
                case Interop.CursorStructDecl:
                case Interop.CursorUnionDecl:
                    ReadRecord(cursor, header, types, structs);
                    break;
                case Interop.CursorMacroDefinition:
                    if (Interop.clang_Cursor_isMacroFunctionLike(cursor) == 0)
                    {
                        macros.Add(Macro.Read(cursor, header));
                    }
                    break;
            }
        }

        IReadOnlyList<Constant> constants = MacroEvaluator.Evaluate(macros, includes, arguments, types);

        return new ApiMetadata(
            options.Release,
            options.Package,
            Headers,
            Sorted(functions.Values, f => f.Name),
            Sorted(typedefs.Values, t => t.Name),
            enums.Values.OrderBy(e => e.Name, StringComparer.Ordinal)
                .ThenBy(e => e.Constants.Count > 0 ? e.Constants[0].Name : "", StringComparer.Ordinal).ToList(),
            Sorted(structs.Values, s => s.Name),
            Sorted(callbacks.Values, c => c.Name),
            Sorted(constants, c => c.Name));
    }

    /// <summary>
    /// The clang command line: C with GNU extensions for x86-64 Linux; the include root first
    /// (an unpacked package tree), then the compiler's builtin headers (stddef.h, stdarg.h),
    /// then the system's. Without the builtin directory clang "succeeds" with wrong types.
    /// </summary>
    public static string[] ClangArguments(string includeRoot, string builtinInclude)
    {
        var arguments = new List<string>
        {
            "-x", "c", "-std=gnu11", "--target=x86_64-pc-linux-gnu", "-nostdinc",
            "-isystem", includeRoot,
            "-isystem", builtinInclude,
        };
        foreach (string dir in new[] { "/usr/include/x86_64-linux-gnu", "/usr/include" })
        {
            if (!string.Equals(Path.GetFullPath(dir), includeRoot, StringComparison.Ordinal))
            {
                arguments.Add("-isystem");
                arguments.Add(dir);
            }
        }
        return [.. arguments];
    }

    private static List<T> Sorted<T>(IEnumerable<T> items, Func<T, string> name) =>
        items.OrderBy(name, StringComparer.Ordinal).ToList();

    /// <summary>typedef names for `typedef struct { ... } x;` and `typedef enum { ... } x;`, keyed by declaration.</summary>
    private static Dictionary<string, string> AnonymousTagNames(IEnumerable<CXCursor> cursors)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (CXCursor cursor in cursors)
        {
            if (Interop.clang_getCursorKind(cursor) != Interop.CursorTypedefDecl)
            {
                continue;
            }
            CXCursor tag = Interop.clang_getTypeDeclaration(
                TypeMapper.Desugar(Interop.clang_getTypedefDeclUnderlyingType(cursor)));
            int kind = Interop.clang_getCursorKind(tag);
            if (kind is Interop.CursorStructDecl or Interop.CursorUnionDecl or Interop.CursorEnumDecl
                && TypeMapper.IsUnnamed(Native.Spelling(tag)))
            {
                names.TryAdd(Native.DeclarationKey(tag), Native.Spelling(cursor));
            }
        }
        return names;
    }

    private static Function ReadFunction(CXCursor cursor, string header, TypeMapper types)
    {
        string name = Native.Spelling(cursor);
        CXType type = Interop.clang_getCursorType(cursor);
        CType returns = types.Map(Interop.clang_getResultType(type));
        bool variadic = Interop.clang_isFunctionTypeVariadic(type) != 0;
        var parameters = ReadParameters(Interop.clang_Cursor_getNumArguments(cursor),
            i => Interop.clang_Cursor_getArgument(cursor, i), types);

        var signature = new StringBuilder();
        signature.Append(Declarator(returns.C, name)).Append('(');
        signature.Append(parameters.Count == 0 && !variadic ? "void" : string.Join(", ", parameters.Select(p => Declarator(p.Type.C, p.Name))));
        signature.Append(variadic ? ", ...)" : ")");

        return new Function(
            name,
            header.StartsWith("rbd/", StringComparison.Ordinal) ? "librbd" : "librados",
            header,
            signature.ToString(),
            returns,
            parameters,
            variadic,
            Interop.clang_getCursorAvailability(cursor) == Interop.AvailabilityDeprecated);
    }

    private static List<Parameter> ReadParameters(int count, Func<uint, CXCursor> argument, TypeMapper types)
    {
        var parameters = new List<Parameter>();
        for (uint i = 0; i < Math.Max(0, count); i++)
        {
            CXCursor parameter = argument(i);
            parameters.Add(new Parameter(Native.Spelling(parameter), types.Map(Interop.clang_getCursorType(parameter))));
        }
        return parameters;
    }

    /// <summary>C declarator text: "const char *" + "name" → "const char *name"; handles function pointers and arrays.</summary>
    public static string Declarator(string typeSpelling, string name)
    {
        if (name.Length == 0)
        {
            return typeSpelling;
        }
        int functionPointer = typeSpelling.IndexOf("(*", StringComparison.Ordinal);
        if (functionPointer >= 0)
        {
            return typeSpelling.Insert(functionPointer + 2, name);
        }
        int array = typeSpelling.IndexOf('[', StringComparison.Ordinal);
        if (array >= 0)
        {
            string element = typeSpelling[..array].TrimEnd();
            return Declarator(element, name) + typeSpelling[array..];
        }
        return typeSpelling.EndsWith('*') ? typeSpelling + name : typeSpelling + " " + name;
    }

    private static void ReadTypedef(CXCursor cursor, string header, TypeMapper types,
        Dictionary<string, Typedef> typedefs, Dictionary<string, Callback> callbacks)
    {
        string name = Native.Spelling(cursor);
        if (types.NamesTag(cursor) is not null)
        {
            return; // listed under structs/enums by this name
        }

        CXType underlying = TypeMapper.Desugar(Interop.clang_getTypedefDeclUnderlyingType(cursor));
        if (underlying.Kind == Interop.TypePointer
            && Interop.clang_getCanonicalType(Interop.clang_getPointeeType(underlying)).Kind is Interop.TypeFunctionProto or Interop.TypeFunctionNoProto)
        {
            CXType function = Interop.clang_getPointeeType(underlying);
            var arguments = Native.Children(cursor).Where(c => Interop.clang_getCursorKind(c) == Interop.CursorParmDecl).ToList();
            callbacks.TryAdd(name, new Callback(name, header, types.Map(Interop.clang_getResultType(function)),
                ReadParameters(arguments.Count, i => arguments[(int)i], types)));
            return;
        }

        typedefs.TryAdd(name, new Typedef(name, header, types.Map(Interop.clang_getTypedefDeclUnderlyingType(cursor))));
    }

    private static void ReadEnum(CXCursor cursor, string header, TypeMapper types, Dictionary<string, Enumeration> enums)
    {
        CXCursor definition = Interop.clang_getCursorDefinition(cursor);
        if (Native.IsNull(definition))
        {
            definition = cursor;
        }
        string name = types.TagName(definition);
        string key = name.Length > 0 ? name : Native.DeclarationKey(definition);
        if (enums.ContainsKey(key))
        {
            return;
        }

        CXType integer = Interop.clang_getEnumDeclIntegerType(definition);
        bool unsigned = TypeMapper.IsUnsigned(Interop.clang_getCanonicalType(integer).Kind);
        var constants = Native.Children(definition)
            .Where(c => Interop.clang_getCursorKind(c) == Interop.CursorEnumConstantDecl)
            .Select(c => new EnumConstant(Native.Spelling(c), unsigned
                ? Interop.clang_getEnumConstantDeclUnsignedValue(c).ToString(System.Globalization.CultureInfo.InvariantCulture)
                : Interop.clang_getEnumConstantDeclValue(c).ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        enums.Add(key, new Enumeration(name, header, types.Map(integer), constants));
    }

    private static void ReadRecord(CXCursor cursor, string header, TypeMapper types, Dictionary<string, Record> structs)
    {
        string kind = Interop.clang_getCursorKind(cursor) == Interop.CursorUnionDecl ? "union" : "struct";
        string name = types.TagName(cursor);
        if (Interop.clang_isCursorDefinition(cursor) == 0)
        {
            // A forward declaration: opaque unless the definition turns up (it is visited itself).
            if (Native.IsNull(Interop.clang_getCursorDefinition(cursor)))
            {
                structs.TryAdd(name, new Record(name, header, kind, null, null, []));
            }
            return;
        }

        CXType type = Interop.clang_getCursorType(cursor);
        var fields = Native.Children(cursor)
            .Where(c => Interop.clang_getCursorKind(c) == Interop.CursorFieldDecl)
            .Select(c => new Field(
                Native.Spelling(c),
                types.Map(Interop.clang_getCursorType(c)),
                Interop.clang_Cursor_getOffsetOfField(c) / 8,
                Interop.clang_Cursor_isBitField(c) != 0 ? Interop.clang_getFieldDeclBitWidth(c) : null))
            .ToList();
        structs[name] = new Record(name, header, kind,
            Interop.clang_Type_getSizeOf(type), Interop.clang_Type_getAlignOf(type), fields);
    }
}
