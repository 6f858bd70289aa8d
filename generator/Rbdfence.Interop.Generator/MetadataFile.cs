using System;
using System.IO;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Rbdfence.Interop.Generator.Json;
using Rbdfence.Interop.Generator.Metadata;

namespace Rbdfence.Interop.Generator;

/// <summary>A loaded <c>ceph-*.json</c> AdditionalFile: the metadata, or why it could not be read.</summary>
internal sealed class MetadataFile
{
    private MetadataFile(string path, CephMetadata? metadata, Diagnostic? error)
    {
        Path = path;
        Metadata = metadata;
        Error = error;
    }

    public string Path { get; }

    public CephMetadata? Metadata { get; }

    public Diagnostic? Error { get; }

    /// <summary>Metadata files are recognised by name: <c>ceph-&lt;release&gt;.json</c>.</summary>
    public static bool IsMetadataFile(string path)
    {
        var name = System.IO.Path.GetFileName(path);
        return name.StartsWith("ceph-", StringComparison.OrdinalIgnoreCase)
            && name.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
    }

    public static MetadataFile Load(AdditionalText file, CancellationToken cancellationToken)
    {
        var text = file.GetText(cancellationToken);
        if (text is null)
        {
            return Failed(file.Path, 1, 1, "the file could not be read");
        }

        try
        {
            return new MetadataFile(file.Path, MetadataReader.Read(text.ToString()), null);
        }
        catch (JsonException ex)
        {
            return Failed(file.Path, ex.Line, ex.Column, ex.Message);
        }
    }

    private static MetadataFile Failed(string path, int line, int column, string message)
    {
        var position = new LinePosition(Math.Max(0, line - 1), Math.Max(0, column - 1));
        var location = Location.Create(path, default, new LinePositionSpan(position, position));
        var diagnostic = Diagnostic.Create(
            DiagnosticDescriptors.MalformedMetadata,
            location,
            System.IO.Path.GetFileName(path),
            line,
            column,
            message);
        return new MetadataFile(path, null, diagnostic);
    }
}
