using System;
using System.IO;
using Xunit;

namespace Rbdfence.HeaderScraper.Tests;

/// <summary>The diff verb on two small hand-written metadata files (TestData/diff-*.json).</summary>
public sealed class ApiDiffTests
{
    private static (int Exit, string Out, string Err) Diff(params string[] extra)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = Program.Run(["diff", Repo.TestData("diff-old.json"), Repo.TestData("diff-new.json"), .. extra], stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Text_diff_lists_added_removed_and_changed_entries()
    {
        var (exit, output, error) = Diff();
        Assert.True(exit == 0, error);
        Assert.Equal("""
            API diff 1.0 → 2.0
            functions: 1 added, 1 removed, 1 changed
            structs: 0 added, 0 removed, 1 changed
            enums: 0 added, 0 removed, 1 changed
            typedefs: 0 added, 0 removed, 1 changed
            callbacks: 0 added, 0 removed, 0 changed
            constants: 0 added, 0 removed, 1 changed

            + functions: int rbd_new(void)
            - functions: void rbd_gone(void)
            ~ functions: rbd_open
                signature: int rbd_open(int fd) → int rbd_open(long fd)
                resolved types: int (int) → int (long)
                deprecated: no → yes

            ~ structs: rbd_info_t
                size: 8 → 16
                align: 4 → 8
                added c
                removed b

            ~ enums: rbd_mode_t
                added RBD_MODE_C
                RBD_MODE_B value: 1 → 2

            ~ typedefs: rbd_off_t
                resolved type: int → long

            ~ constants: RBD_X
                value: 1 → 2
                expression: (1<<0) → (1<<1)

            """.ReplaceLineEndings("\n"), output);
    }

    [Fact]
    public void Markdown_diff_has_a_summary_table_and_sections()
    {
        var (exit, output, error) = Diff("--markdown");
        Assert.True(exit == 0, error);
        Assert.StartsWith("# Ceph C API diff: 1.0 → 2.0\n", output, StringComparison.Ordinal);
        Assert.Contains("| functions | 1 | 1 | 1 |\n", output, StringComparison.Ordinal);
        Assert.Contains("## Functions\n\n### Added\n\n- `int rbd_new(void)`\n", output, StringComparison.Ordinal);
        Assert.Contains("- `rbd_open`\n  - signature: `int rbd_open(int fd)` → `int rbd_open(long fd)`\n", output, StringComparison.Ordinal);
        Assert.DoesNotContain("## Callbacks", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Identical_files_have_an_empty_diff()
    {
        var stdout = new StringWriter();
        int exit = Program.Run(["diff", Repo.TestData("diff-old.json"), Repo.TestData("diff-old.json")], stdout, new StringWriter());
        Assert.Equal(0, exit);
        Assert.DoesNotContain("\n+", stdout.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("\n~", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_metadata_exits_1()
    {
        var stderr = new StringWriter();
        int exit = Program.Run(["diff", Repo.TestData("diff-old.json"), "/nonexistent.json"], new StringWriter(), stderr);
        Assert.Equal(1, exit);
        Assert.StartsWith("rbdfence-scrape: ", stderr.ToString(), StringComparison.Ordinal);
    }

    private static string CallsFile(string text)
    {
        string path = Path.Combine(Path.GetTempPath(), $"rbdfence-calls-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Calls_fails_naming_each_called_function_that_was_removed_or_changed()
    {
        string calls = CallsFile("# what the project calls\nrbd_gone\nrbd_open  # changed\nrbd_same\n");
        try
        {
            var (exit, output, error) = Diff("--calls", calls);
            Assert.Equal(1, exit);
            Assert.Contains("API diff 1.0 → 2.0", output); // the report is still written
            Assert.Contains("rbdfence-scrape: a function the project calls was rbd_gone: removed in 2.0", error);
            Assert.Contains("rbdfence-scrape: a function the project calls was rbd_open: changed in 2.0 (signature: int rbd_open(int fd) → int rbd_open(long fd)", error);
            Assert.DoesNotContain("rbd_same", error);
        }
        finally
        {
            File.Delete(calls);
        }
    }

    [Fact]
    public void Calls_passes_when_the_called_functions_are_unchanged()
    {
        string calls = CallsFile("rbd_same\nrbd_new\n");
        try
        {
            var (exit, _, error) = Diff("--calls", calls);
            Assert.True(exit == 0, error);
            Assert.Equal("", error);
        }
        finally
        {
            File.Delete(calls);
        }
    }

    [Fact]
    public void Calls_without_a_file_is_a_usage_error()
    {
        var (exit, _, error) = Diff("--calls");
        Assert.Equal(2, exit);
        Assert.Contains("--calls needs a value", error);
    }
}
