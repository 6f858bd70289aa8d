using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace Rbdfence.HeaderScraper.Tests;

/// <summary>
/// An oracle independent of clang: a regular expression over the header text finds every
/// declaration that starts with the library's export macro; the committed metadata must list
/// exactly those functions.
/// </summary>
public sealed partial class FunctionCountTests
{
    [Theory]
    [InlineData("rbd/librbd.h", "CEPH_RBD_API", "librbd")]
    [InlineData("rados/librados.h", "CEPH_RADOS_API", "librados")]
    public void Committed_metadata_lists_exactly_the_exported_functions(string header, string exportMacro, string library)
    {
        string text = File.ReadAllText(Path.Combine(Repo.RequireHeaders(), header));
        var declared = ExportedFunctions(text, exportMacro);

        using JsonDocument metadata = Repo.CommittedMetadata();
        var scraped = metadata.RootElement.GetProperty("functions").EnumerateArray()
            .Where(f => f.GetProperty("library").GetString() == library)
            .Select(f => f.GetProperty("name").GetString()!)
            .ToHashSet();

        var missing = declared.Except(scraped).Order().ToList();
        var extra = scraped.Except(declared).Order().ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"{header}: {declared.Count} {exportMacro} declarations, {scraped.Count} {library} functions in the metadata; " +
            $"not scraped: [{string.Join(", ", missing)}]; not declared: [{string.Join(", ", extra)}]");
    }

    [Fact]
    public void The_committed_16_2_15_metadata_has_librbds_280_functions()
    {
        // Ceph 16.2.15's librbd.h declares 280 CEPH_RBD_API functions (the count the test
        // above makes on a machine with those headers): a fixed point that needs no installed
        // headers, so it is checked on every machine, whatever Ceph it has.
        string path = Path.Combine(Repo.Root, "bindings", "metadata", "ceph-16.2.15.json");
        using JsonDocument metadata = JsonDocument.Parse(File.ReadAllBytes(path));
        int librbd = metadata.RootElement.GetProperty("functions").EnumerateArray()
            .Count(f => f.GetProperty("library").GetString() == "librbd");
        Assert.Equal(280, librbd);
    }

    /// <summary>The name before the first '(' of each line-initial `MACRO ... name(` declaration.</summary>
    private static HashSet<string> ExportedFunctions(string headerText, string exportMacro) =>
        Regex.Matches(headerText, @"^[ \t]*" + exportMacro + @"\b[^;{(]*?\b(\w+)\s*\(", RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value)
            .ToHashSet();
}
