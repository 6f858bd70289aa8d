using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Rbdfence.Interop.Generator.Tests;

/// <summary>Runs the generator over in-memory inputs and compiles its output.</summary>
internal static class GeneratorHarness
{
    public const string NativeMethodsPath = "/src/NativeMethods.txt";

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) == "netstandard.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray());

    public static string FixturePath => Path.Combine(AppContext.BaseDirectory, "Fixtures", "ceph-16.2.15.json");

    public static string Fixture => File.ReadAllText(FixturePath);

    public static string RealMetadata(string release) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "metadata", "ceph-" + release + ".json"));

    public static GeneratorRun Run(string nativeMethods, string? metadata = null, Dictionary<string, string>? properties = null) =>
        Run(
            [new InMemoryAdditionalText(NativeMethodsPath, nativeMethods), new InMemoryAdditionalText("/metadata/ceph-16.2.15.json", metadata ?? Fixture)],
            properties);

    public static GeneratorRun Run(IEnumerable<AdditionalText> additionalTexts, Dictionary<string, string>? properties = null)
    {
        var compilation = CSharpCompilation.Create(
            "Bindings",
            [CSharpSyntaxTree.ParseText("[assembly: System.Runtime.CompilerServices.DisableRuntimeMarshalling]", new CSharpParseOptions(LanguageVersion.Latest))],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new InteropSourceGenerator().AsSourceGenerator()],
            additionalTexts,
            new CSharpParseOptions(LanguageVersion.Latest),
            new TestAnalyzerConfigOptionsProvider(properties ?? []));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        return new GeneratorRun(driver.GetRunResult(), output, generatorDiagnostics);
    }
}

internal sealed class GeneratorRun
{
    public GeneratorRun(GeneratorDriverRunResult result, Compilation output, ImmutableArray<Diagnostic> diagnostics)
    {
        Result = result;
        Output = output;
        Diagnostics = diagnostics;
    }

    public GeneratorDriverRunResult Result { get; }

    public Compilation Output { get; }

    public ImmutableArray<Diagnostic> Diagnostics { get; }

    public IReadOnlyList<GeneratedSourceResult> Sources => Result.Results.Single().GeneratedSources;

    public IEnumerable<string> HintNames => Sources.Select(s => s.HintName);

    public string Source(string hintName) => Sources.Single(s => s.HintName == hintName).SourceText.ToString();

    public string AllText => string.Join("\n", Sources.Select(s => s.SourceText.ToString()));

    public IEnumerable<Diagnostic> CompilationErrors =>
        Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning);
}
