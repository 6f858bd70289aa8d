using System;
using System.IO;
using Xunit;

namespace Rbdfence.HeaderScraper.Tests;

/// <summary>Exit codes and one-line errors of rbdfence-scrape.</summary>
public sealed class CommandLineTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = Program.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Help_prints_usage_and_succeeds()
    {
        var (exit, output, _) = Run("--help");
        Assert.Equal(0, exit);
        Assert.Contains("rbdfence-scrape scrape", output, StringComparison.Ordinal);
        Assert.Contains("rbdfence-scrape diff", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], "missing verb")]
    [InlineData(new[] { "frobnicate" }, "unknown verb 'frobnicate'")]
    [InlineData(new[] { "scrape", "--output", "x.json" }, "--release is required")]
    [InlineData(new[] { "scrape", "--release" }, "--release needs a value")]
    [InlineData(new[] { "diff", "only-one.json" }, "expected OLD.json NEW.json")]
    public void Usage_errors_exit_2_with_one_line(string[] args, string message)
    {
        var (exit, _, error) = Run(args);
        Assert.Equal(2, exit);
        Assert.StartsWith("rbdfence-scrape: ", error, StringComparison.Ordinal);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Missing_include_root_exits_1()
    {
        var (exit, _, error) = Run("scrape", "--include-root", "/nonexistent/include", "--release", "0", "--output", "-");
        Assert.Equal(1, exit);
        Assert.Equal("rbdfence-scrape: include root not found: /nonexistent/include\n", error);
    }

    [Fact]
    public void Include_root_without_the_headers_exits_1()
    {
        string root = Directory.CreateTempSubdirectory("rbdfence-scrape-").FullName;
        try
        {
            var (exit, _, error) = Run("scrape", "--include-root", root, "--release", "0", "--output", "-");
            Assert.Equal(1, exit);
            Assert.Contains("header not found", error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [Fact]
    public void Any_clang_diagnostic_fails_the_scrape_and_is_printed()
    {
        string root = Directory.CreateTempSubdirectory("rbdfence-scrape-").FullName;
        try
        {
            foreach (string header in Scraper.Headers)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, header))!);
                File.WriteAllText(Path.Combine(root, header), "int ok(void);\n");
            }
            File.WriteAllText(Path.Combine(root, "rbd/features.h"), "#warning only a warning\n");
            string output = Path.Combine(root, "out.json");

            var (exit, _, error) = Run("scrape", "--include-root", root, "--release", "0", "--output", output);
            Assert.Equal(1, exit);
            Assert.Contains("only a warning", error, StringComparison.Ordinal);
            Assert.False(File.Exists(output));
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }
}
