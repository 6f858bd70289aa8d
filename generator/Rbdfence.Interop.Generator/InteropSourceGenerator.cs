using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Rbdfence.Interop.Generator;

/// <summary>
/// Emits Ceph librbd/librados bindings for the names listed in NativeMethods.txt, from the
/// <c>ceph-&lt;release&gt;.json</c> metadata given as an AdditionalFile.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class InteropSourceGenerator : IIncrementalGenerator
{
    /// <summary>MSBuild property (exposed with CompilerVisibleProperty) naming the output namespace.</summary>
    public const string NamespaceProperty = "build_property.RbdfenceInteropNamespace";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var metadata = context.AdditionalTextsProvider
            .Where(static file => MetadataFile.IsMetadataFile(file.Path))
            .Select(static (file, ct) => MetadataFile.Load(file, ct))
            .Collect();

        var requests = context.AdditionalTextsProvider
            .Where(static file => string.Equals(Path.GetFileName(file.Path), NativeMethodsFile.FileName, StringComparison.OrdinalIgnoreCase))
            .Select(static (file, ct) => NativeMethodsFile.Parse(file.Path, file.GetText(ct)))
            .Collect();

        var ns = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) =>
                options.GlobalOptions.TryGetValue(NamespaceProperty, out var value) && !string.IsNullOrWhiteSpace(value)
                    ? value.Trim()
                    : Generator.DefaultNamespace);

        context.RegisterSourceOutput(metadata.Combine(requests).Combine(ns), static (spc, input) =>
        {
            var ((files, lists), @namespace) = input;
            Execute(spc, files, lists, @namespace);
        });
    }

    private static void Execute(
        SourceProductionContext context,
        ImmutableArray<MetadataFile> files,
        ImmutableArray<IReadOnlyList<NativeMethodsEntry>> lists,
        string @namespace)
    {
        if (lists.IsEmpty)
        {
            return; // nothing requested
        }

        if (files.Length != 1)
        {
            var message = files.IsEmpty
                ? "No Ceph metadata file: add bindings/metadata/ceph-<release>.json to AdditionalFiles"
                : "Exactly one Ceph metadata file is expected in AdditionalFiles, found " + files.Length + ": "
                    + string.Join(", ", files.Select(f => Path.GetFileName(f.Path)).OrderBy(n => n, StringComparer.Ordinal));
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.MetadataFileCount, Location.None, message));
            return;
        }

        var file = files[0];
        if (file.Error is not null)
        {
            context.ReportDiagnostic(file.Error);
            return;
        }

        var entries = lists
            .OrderBy(list => list.Count == 0 ? "" : list[0].Path, StringComparer.Ordinal)
            .SelectMany(list => list)
            .ToList();
        var generator = new Generator(file.Metadata!, @namespace);
        IReadOnlyList<GeneratedSource> sources;
        try
        {
            sources = generator.Generate(entries);
        }
        catch (UnmappableTypeException ex)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.MalformedMetadata, Location.None, Path.GetFileName(file.Path), 1, 1, ex.Message));
            return;
        }

        foreach (var diagnostic in generator.Diagnostics)
        {
            context.ReportDiagnostic(diagnostic);
        }

        foreach (var source in sources)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            context.AddSource(source.HintName, source.Text);
        }
    }
}
