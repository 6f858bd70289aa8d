using Microsoft.CodeAnalysis;

namespace Rbdfence.Interop.Generator;

/// <summary>The generator's diagnostics; IDs are fixed (AnalyzerReleases.Unshipped.md).</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "Rbdfence.Interop";

    public static readonly DiagnosticDescriptor UnknownName = new(
        "RBDGEN001",
        "Name not found in the Ceph metadata",
        "{0} was not found in Ceph {1} metadata{2}",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor MetadataFileCount = new(
        "RBDGEN002",
        "Exactly one Ceph metadata file is required",
        "{0}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor MalformedMetadata = new(
        "RBDGEN003",
        "Malformed Ceph metadata",
        "{0}({1},{2}): {3}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor EmptyWildcard = new(
        "RBDGEN004",
        "Wildcard matched nothing",
        "{0} matched nothing in Ceph {1} metadata",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor Variadic = new(
        "RBDGEN005",
        "Variadic function cannot be bound",
        "{0} is variadic; LibraryImport cannot bind C varargs, so it is not generated",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor Unmappable = new(
        "RBDGEN006",
        "C type cannot be mapped",
        "{0} is not generated: {1}",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true);
}
