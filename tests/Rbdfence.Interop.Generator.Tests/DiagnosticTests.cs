using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Rbdfence.Interop.Generator.Tests;

public sealed class DiagnosticTests
{
    [Fact]
    public void Unknown_name_is_RBDGEN001_at_its_line_with_the_closest_name()
    {
        var run = GeneratorHarness.Run("# fencing\nrbd_open\n\n  rbd_lok_exclusive  // typo\n");

        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("RBDGEN001", diagnostic.Id);
        Assert.Equal(
            "rbd_lok_exclusive was not found in Ceph 16.2.15 metadata. Did you mean rbd_lock_exclusive?",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        var span = diagnostic.Location.GetLineSpan();
        Assert.Equal(GeneratorHarness.NativeMethodsPath, span.Path);
        Assert.Equal(3, span.StartLinePosition.Line);
        Assert.Equal(2, span.StartLinePosition.Character);
        Assert.Equal(19, span.EndLinePosition.Character);
        Assert.Contains("rbd_open", run.AllText, System.StringComparison.Ordinal); // the rest is still generated
    }

    [Fact]
    public void Unknown_name_without_a_close_match_has_no_suggestion()
    {
        var diagnostic = Assert.Single(GeneratorHarness.Run("completely_unrelated_thing\n").Diagnostics);
        Assert.Equal("RBDGEN001", diagnostic.Id);
        Assert.EndsWith("metadata", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_metadata_is_RBDGEN002()
    {
        var run = GeneratorHarness.Run([new InMemoryAdditionalText(GeneratorHarness.NativeMethodsPath, "*\n")]);
        Assert.Equal("RBDGEN002", Assert.Single(run.Diagnostics).Id);
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void Two_metadata_files_are_RBDGEN002()
    {
        var run = GeneratorHarness.Run(
        [
            new InMemoryAdditionalText(GeneratorHarness.NativeMethodsPath, "*\n"),
            new InMemoryAdditionalText("/m/ceph-16.2.15.json", GeneratorHarness.Fixture),
            new InMemoryAdditionalText("/m/ceph-18.2.7.json", GeneratorHarness.Fixture),
        ]);
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("RBDGEN002", diagnostic.Id);
        Assert.Contains("ceph-16.2.15.json, ceph-18.2.7.json", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ \"schema\": 1, \"release\": \"16.2.15\"", 1, 36)]
    [InlineData("{\n  \"schema\": 2,\n  \"release\": \"x\"\n}\n", 2, 13)]
    [InlineData("{\n  \"schema\": 1,\n  \"release\": \"x\",\n  \"functions\": [ { \"name\": \"f\" } ]\n}\n", 4, 18)]
    public void Malformed_metadata_is_RBDGEN003_with_a_position(string metadata, int line, int column)
    {
        var run = GeneratorHarness.Run("*\n", metadata);
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("RBDGEN003", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.StartsWith(
            "ceph-16.2.15.json(" + line + "," + column + "):",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture),
            System.StringComparison.Ordinal);
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void Wildcard_matching_nothing_is_RBDGEN004()
    {
        Assert.Equal("RBDGEN004", Assert.Single(GeneratorHarness.Run("NOPE_*\n").Diagnostics).Id);
    }

    [Fact]
    public void Explicitly_requested_variadic_function_is_RBDGEN005_and_left_out()
    {
        var run = GeneratorHarness.Run("rados_fake_printf\n");
        Assert.Equal("RBDGEN005", Assert.Single(run.Diagnostics).Id);
        var functions = run.Source("LibRados.Functions.g.cs");
        Assert.Contains("// rados_fake_printf is variadic", functions, System.StringComparison.Ordinal);
        Assert.DoesNotContain("EntryPoint = \"rados_fake_printf\"", functions, System.StringComparison.Ordinal);
    }

    [Fact]
    public void Comments_and_blank_lines_are_ignored()
    {
        var run = GeneratorHarness.Run("# a comment\n// another\n\n   \nrbd_version # trailing\n");
        Assert.Empty(run.Diagnostics);
        Assert.Contains("EntryPoint = \"rbd_version\"", run.AllText, System.StringComparison.Ordinal);
    }

    [Fact]
    public void No_NativeMethods_txt_generates_nothing()
    {
        var run = GeneratorHarness.Run(new List<AdditionalText> { new InMemoryAdditionalText("/m/ceph-16.2.15.json", GeneratorHarness.Fixture) });
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.Sources);
        Assert.Empty(run.Output.SyntaxTrees.Skip(1));
    }
}
