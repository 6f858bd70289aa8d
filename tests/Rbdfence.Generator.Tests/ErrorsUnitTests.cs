using System;
using System.IO;
using Xunit;

namespace Rbdfence.Generator.Tests;

/// <summary>
/// A table with skipped lines gets <c>rbdfence-tab-errors.service</c>, which re-checks the
/// table at boot with <c>rbdfence-generator --check</c>: in a container there is no kernel
/// log, so without it the bad lines would be reported nowhere the operator looks.
/// </summary>
public class ErrorsUnitTests
{
    private const string Good = "rbd/good /mnt/good ext4 defaults\n";
    private const string Bad = "rbd/bad /mnt/bad ext4 defaults mode=bogus\n";

    [Fact]
    public void A_table_with_a_bad_line_gets_a_checking_unit_that_remote_fs_target_wants()
    {
        using var scratch = new TempDirectory();
        string table = scratch.Join("rbdfencetab");
        File.WriteAllText(table, Good + Bad);
        string output = scratch.MakeDirectory("normal");

        SystemdTools.Result result = GeneratorRunner.Executable(table, output);

        Assert.Equal(0, result.ExitCode);
        string unit = File.ReadAllText(Path.Join(output, "rbdfence-tab-errors.service"));
        Assert.Contains($"ExecStart={TestPaths.GeneratorExecutable} --check\n", unit, StringComparison.Ordinal);
        Assert.Contains($"Environment=\"RBDFENCE_TAB={table}\"\n", unit, StringComparison.Ordinal);
        Assert.Equal("../rbdfence-tab-errors.service", new FileInfo(Path.Join(output, "remote-fs.target.wants", "rbdfence-tab-errors.service")).LinkTarget);
        Assert.True(File.Exists(Path.Join(output, "mnt-good.mount")), "the good line was not generated");
    }

    [Fact]
    public void A_good_table_gets_no_checking_unit()
    {
        using var scratch = new TempDirectory();
        string table = scratch.Join("rbdfencetab");
        File.WriteAllText(table, Good);
        string output = scratch.MakeDirectory("normal");

        Assert.Equal(0, GeneratorRunner.Executable(table, output).ExitCode);

        Assert.False(File.Exists(Path.Join(output, "rbdfence-tab-errors.service")));
    }

    [Fact]
    public void Check_reports_each_bad_line_and_fails_and_writes_nothing()
    {
        using var scratch = new TempDirectory();
        string table = scratch.Join("rbdfencetab");
        File.WriteAllText(table, Good + Bad + "only two\n");

        SystemdTools.Result result = SystemdTools.Run(TestPaths.GeneratorExecutable, ["--check", table]);

        Assert.Equal(1, result.ExitCode);
        string[] messages = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, messages.Length);
        Assert.StartsWith($"rbdfence-generator: {table}:2: ", messages[0], StringComparison.Ordinal);
        Assert.StartsWith($"rbdfence-generator: {table}:3: ", messages[1], StringComparison.Ordinal);
        Assert.Equal(["rbdfencetab"], Array.ConvertAll(Directory.GetFileSystemEntries(scratch.Path), p => Path.GetFileName(p)));
    }

    [Fact]
    public void Check_passes_a_good_table_and_reads_RBDFENCE_TAB_by_default()
    {
        using var scratch = new TempDirectory();
        string table = scratch.Join("rbdfencetab");
        File.WriteAllText(table, Good);

        SystemdTools.Result result = SystemdTools.Run(TestPaths.GeneratorExecutable, ["--check"], new System.Collections.Generic.Dictionary<string, string> { ["RBDFENCE_TAB"] = table });

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(string.Empty, result.Stderr);
    }

    [Theory]
    [InlineData("--check", "a", "b")]
    [InlineData("--check", "/nonexistent/rbdfencetab")]
    public void Check_with_bad_arguments_says_what_is_wrong(params string[] arguments)
    {
        SystemdTools.Result result = SystemdTools.Run(TestPaths.GeneratorExecutable, arguments);

        Assert.NotEqual(0, result.ExitCode);
        Assert.NotEqual(string.Empty, result.Stderr.Trim());
    }
}
