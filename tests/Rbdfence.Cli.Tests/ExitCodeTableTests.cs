using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Rbdfence.Fencing;
using Xunit;

namespace Rbdfence.Cli.Tests;

/// <summary>
/// The exit codes are written for people in three places besides <see cref="ExitCodes"/>:
/// the CLI's help, the unit template's comment and docs/CLI.md. A unit's Restart= logic
/// and an operator's script read them there, so each must list exactly the codes there are.
/// </summary>
public sealed partial class ExitCodeTableTests
{
    private static readonly int[] Codes = [.. ExitCodes.All.Select(e => e.Code).Order()];

    [Fact]
    public void The_table_has_every_constant_once()
    {
        int[] constants = [.. typeof(ExitCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(int))
            .Select(f => (int)f.GetRawConstantValue()!)
            .Order()];
        Assert.Equal(constants, Codes);
        Assert.Equal(Codes.Length, ExitCodes.All.Select(e => e.Code).Distinct().Count());
    }

    [Fact]
    public void Docs_CLI_md_has_one_row_per_code()
    {
        string doc = File.ReadAllText(Path.Combine(BuiltCli.RepoRoot, "docs", "CLI.md"));
        string section = doc[doc.IndexOf("## Exit codes", System.StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 3, System.StringComparison.Ordinal)];
        int[] rows = [.. TableRow().Matches(section).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Order()];
        Assert.Equal(Codes, rows);
    }

    [Fact]
    public void The_unit_templates_comment_lists_every_code()
    {
        string unit = File.ReadAllText(Path.Combine(BuiltCli.RepoRoot, "units", "rbdfence@.service"));
        string comment = string.Join(' ', unit.Split('\n')
            .SkipWhile(l => !l.StartsWith("# Exit codes of rbdfence:", System.StringComparison.Ordinal))
            .TakeWhile(l => l.StartsWith('#'))
            .Select(l => l.TrimStart('#').Trim()));
        Assert.NotEmpty(comment);
        int[] listed = [.. CodeInProse().Matches(comment).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Order()];
        Assert.Equal(Codes, listed);
    }

    [Fact]
    public async Task The_help_prints_every_code_with_its_meaning()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(BuiltCli.Dll);
        psi.ArgumentList.Add("--help");
        (int code, string stdout, _) = await BuiltCli.RunAsync(psi);
        Assert.Equal(0, code);
        string help = Regex.Replace(stdout, @"\s+", " ");
        foreach ((int c, string meaning) in ExitCodes.All)
        {
            Assert.Contains($"{c} {meaning}", help, System.StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"^\| (\d+) \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    // "0 ok, 1 failure, 64 usage, …": a number followed by a word.
    [GeneratedRegex(@"(?:^|[:,] )(\d+) [a-z]")]
    private static partial Regex CodeInProse();
}
