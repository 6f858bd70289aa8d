using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Xunit;

namespace Rbdfence.Cli.Tests;

/// <summary>
/// The bash completion (<c>completions/rbdfence.bash</c>, as the package installs it) sourced
/// in a real bash with bash-completion, given command lines as bash would split them; and
/// held to the built <c>rbdfence</c>'s own <c>--help</c>, so that a verb or option added to
/// the command line without its completion fails here.
/// </summary>
public sealed partial class CompletionTests : IDisposable
{
    private const string BashCompletion = "/usr/share/bash-completion/bash_completion";

    private static readonly string Repo = BuiltCli.RepoRoot;

    private readonly string _dir = Directory.CreateTempSubdirectory("rbdfence-completion-tests.").FullName;

    [Fact]
    public async Task Completes_the_verbs()
    {
        Assert.Equal(["acquire", "break", "daemon", "hold", "list", "map", "release", "status", "unmap"], await CompleteAsync("rbdfence "));
        Assert.Equal(["status"], await CompleteAsync("rbdfence st"));
        Assert.Equal(["map"], await CompleteAsync("rbdfence --json m"));
    }

    [Fact]
    public async Task Completes_the_values_of_mode_and_backend()
    {
        Assert.Equal(["advisory", "auto", "managed"], await CompleteAsync("rbdfence acquire rbd/v --mode "));
        Assert.Equal(["managed"], await CompleteAsync("rbdfence status --mode=ma"));
        Assert.Equal(["fuse", "krbd", "nbd"], await CompleteAsync("rbdfence hold rbd/v --backend "));
        Assert.Equal(["nbd"], await CompleteAsync("rbdfence map --backend=n"));
        Assert.Equal(["infinity"], await CompleteAsync("rbdfence acquire rbd/v --wait="));
    }

    [Fact]
    public async Task Completes_files_for_keyring_and_conf()
    {
        File.WriteAllText(Path.Join(_dir, "ceph.client.fence.keyring"), string.Empty);
        File.WriteAllText(Path.Join(_dir, "ceph.conf"), string.Empty);
        Directory.CreateDirectory(Path.Join(_dir, "cluster-b"));

        Assert.Equal([Path.Join(_dir, "ceph.client.fence.keyring")], await CompleteAsync($"rbdfence status rbd/v --keyring {_dir}/ceph.cl"));
        Assert.Equal([Path.Join(_dir, "ceph.conf")], await CompleteAsync($"rbdfence status rbd/v --conf {_dir}/ceph.co"));
        Assert.Equal([Path.Join(_dir, "cluster-b")], await CompleteAsync($"rbdfence release rbd/v -c {_dir}/clu"));
    }

    [Fact]
    public async Task Completes_the_spec_from_the_table_once()
    {
        string table = Path.Join(_dir, "rbdfencetab");
        File.WriteAllText(table, "# a comment\nrbd/data /srv/data ext4 defaults\n\n  rbd/ns1/logs /srv/logs xfs noatime mode=managed\nother/db /srv/db ext4 defaults\n");

        Assert.Equal(["rbd/data", "rbd/ns1/logs"], await CompleteAsync("rbdfence status rbd/", table));
        Assert.Equal(["other/db"], await CompleteAsync("rbdfence acquire --mode advisory o", table));
        // The spec is given: nothing more to offer but options.
        Assert.Empty(await CompleteAsync("rbdfence status rbd/data ", table));
        Assert.Empty(await CompleteAsync("rbdfence list ", table));
    }

    [Fact]
    public async Task Completes_every_verb_and_option_of_the_real_help()
    {
        string help = await HelpAsync([]);
        List<string> verbs = Section(help, "Commands").Select(line => line.Split(' ', 2)[0]).ToList();
        Assert.Contains("acquire", verbs);
        Assert.Superset(verbs.ToHashSet(), (await CompleteAsync("rbdfence ")).ToHashSet());
        Assert.Superset(LongOptions(help).ToHashSet(), (await CompleteAsync("rbdfence --")).ToHashSet());

        foreach (string verb in verbs)
        {
            List<string> options = LongOptions(await HelpAsync([verb, "--help"]));
            // list reads the table, daemon serves every volume, the others one volume
            Assert.Contains(verb switch { "list" => "--table", "daemon" => "--help", _ => "--conf" }, options);
            IReadOnlyList<string> completed = await CompleteAsync($"rbdfence {verb} --");
            Assert.True(options.All(completed.Contains),
                $"rbdfence {verb}: --help lists {string.Join(' ', options.Except(completed))}, the completion does not");
            IReadOnlyList<string> afterSpec = await CompleteAsync(verb switch
            {
                "list" => "rbdfence list --json --",
                "daemon" => "rbdfence daemon --",
                _ => $"rbdfence {verb} rbd/v --id fence --",
            });
            Assert.True(options.All(afterSpec.Contains), $"rbdfence {verb}: options after the spec are not completed");

            // An option whose help lists its values (--mode <Advisory|Auto|Managed>): those, as typed.
            foreach (Match choice in Section(await HelpAsync([verb, "--help"]), "Options").Select(e => Choices().Match(e)).Where(m => m.Success))
            {
                string[] values = choice.Groups[2].Value.Split('|').Select(v => v.ToLowerInvariant()).Order(StringComparer.Ordinal).ToArray();
                Assert.Equal(values, await CompleteAsync($"rbdfence {verb} rbd/v {choice.Groups[1].Value} "));
            }
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// COMPREPLY, sorted, for the cursor at the end of <paramref name="line"/>. COMP_WORDS is
    /// split as bash splits it (spaces, and '=' a word of its own, COMP_WORDBREAKS).
    /// </summary>
    private async Task<IReadOnlyList<string>> CompleteAsync(string line, string? table = null)
    {
        Assert.True(File.Exists(BashCompletion), $"{BashCompletion} is missing (apt-get install bash-completion; scripts/lib/deps.sh does)");
        var words = new List<string>();
        foreach (string word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = word.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                words.Add(word);
                continue;
            }

            words.Add(word[..eq]);
            words.Add("=");
            if (eq + 1 < word.Length)
            {
                words.Add(word[(eq + 1)..]);
            }
        }

        if (line.EndsWith(' '))
        {
            words.Add(string.Empty);
        }

        string script =
            $". {BashCompletion}\n" +
            ". \"$1\"\n" +
            "shift\n" +
            "COMP_LINE=$1; COMP_POINT=${#COMP_LINE}; shift\n" +
            "COMP_WORDS=(\"$@\"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n" +
            "_rbdfence rbdfence \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"\n" +
            "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in (string[])["-c", script, "bash", Path.Join(Repo, "completions", "rbdfence.bash"), line, .. words])
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["RBDFENCE_TAB"] = table ?? Path.Join(_dir, "no-table");
        (int code, string stdout, string stderr) = await BuiltCli.RunAsync(psi);
        Assert.True(code == 0 && stderr.Length == 0, $"completing '{line}': exit {code}, stderr:\n{stderr}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The built rbdfence's help (no cluster is needed for it).</summary>
    private static async Task<string> HelpAsync(string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in (string[])[BuiltCli.Dll, .. args, .. args.Length == 0 ? ["--help"] : Array.Empty<string>()])
        {
            psi.ArgumentList.Add(a);
        }

        (int code, string stdout, string stderr) = await BuiltCli.RunAsync(psi);
        Assert.True(code == 0, $"rbdfence {string.Join(' ', args)} --help: exit {code}\n{stderr}");
        return stdout;
    }

    /// <summary>The entries of a help section ("Options:", "Commands:"): its lines indented by two.</summary>
    private static IEnumerable<string> Section(string help, string name) =>
        help.Split('\n').SkipWhile(l => l.TrimEnd() != name + ":").Skip(1).TakeWhile(l => l.Trim().Length > 0)
            .Where(l => l.StartsWith("  ", StringComparison.Ordinal) && l[2] != ' ').Select(l => l.Trim());

    /// <summary>Every long option (--name) the help's Options section lists.</summary>
    private static List<string> LongOptions(string help) =>
        Section(help, "Options").SelectMany(entry => LongOption().Matches(entry.Split("  ", 2)[0]).Select(m => m.Value)).ToList();

    [GeneratedRegex(@"--[a-z][a-z-]*")]
    private static partial Regex LongOption();

    [GeneratedRegex(@"^(--[a-z][a-z-]*) <(\w+(?:\|\w+)+)>")]
    private static partial Regex Choices();
}
