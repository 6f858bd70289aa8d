using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using Xunit;

namespace Rbdfence.Cli.Tests;

/// <summary>
/// A corpus of hostile command lines through the built <c>rbdfence</c>, as a user would meet
/// them: each is refused before any cluster is contacted (the conf names none; its monitor
/// address is a closed loopback port), with exactly one line on stderr, exit 64, no stack
/// trace, within a bound.
/// </summary>
public sealed class HostileCommandLineTests : IDisposable
{
    private static readonly string Rbdfence = BuiltCli.Dll;

    private readonly string _dir = Directory.CreateTempSubdirectory("rbdfence-cli-tests.").FullName;

    [Theory]
    [InlineData("--grace takes a number of seconds, not 'NaN'", "acquire", "rbd/v", "--grace", "NaN")]
    [InlineData("--grace takes a number of seconds, not '-5'", "acquire", "rbd/v", "--grace", "-5")]
    [InlineData("--grace takes a number of seconds, not '1e400'", "acquire", "rbd/v", "--grace", "1e400")]
    [InlineData("--grace 0 is out of range", "acquire", "rbd/v", "--grace", "0")]
    [InlineData("--grace 999999999999 is out of range", "status", "rbd/v", "--grace", "999999999999")]
    [InlineData("--wait takes a number of seconds or 'infinity', not 'Infinity'", "acquire", "rbd/v", "--wait", "Infinity")]
    [InlineData("--wait 99999999999 is out of range", "acquire", "rbd/v", "--wait", "99999999999")]
    [InlineData("not '-1'", "acquire", "rbd/v", "--wait=-1")]
    [InlineData("--connect-timeout 0 is out of range", "status", "rbd/v", "--connect-timeout", "0")]
    [InlineData("--connect-timeout takes a number of seconds, not '1e300'", "status", "rbd/v", "--connect-timeout", "1e300")]
    [InlineData("--blocklist-expiry 0 is out of range", "break", "rbd/v", "--blocklist-expiry", "0")]
    [InlineData("--blocklist-expiry takes whole seconds, not '1.5'", "acquire", "rbd/v", "--blocklist-expiry", "1.5")]
    [InlineData("--blocklist-expiry 99999999999 is out of range", "map", "rbd/v", "--blocklist-expiry", "99999999999")]
    [InlineData("--interval 0 is out of range", "hold", "rbd/v", "--interval", "0")]
    [InlineData("--interval 30 must be at most half of --grace 45", "hold", "rbd/v", "--interval", "30")]
    [InlineData("--interval 2 must be at most half of --grace 3", "hold", "rbd/v", "--grace", "3", "--interval", "2")]
    [InlineData("--interval takes a number of seconds, not 'NaN'", "hold", "rbd/v", "--interval", "NaN")]
    [InlineData("--id 'a b' is not a Ceph user name", "status", "rbd/v", "--id", "a b")]
    [InlineData("--id 'x\\x0aExecStart=y' is not a Ceph user name", "status", "rbd/v", "--id", "x\nExecStart=y")]
    [InlineData("'rbd/v\\x0ay' contains a control character", "acquire", "rbd/v\ny")]
    [InlineData("'a\\x0ab' is not a volume spec", "acquire", "a\nb")]
    [InlineData("'rbd/v@s\\x0a' contains a control character", "status", "rbd/v@s\n")]
    [InlineData("Unrecognized command or argument '@\\x01'", "status", "rbd/v", "@\u0001")]
    [InlineData("Unrecognized command or argument '@/etc/passwd'", "status", "rbd/v", "@/etc/passwd")]
    [InlineData("Required command was not provided", "\n")]
    [InlineData("Argument 'host' not recognized", "hold", "rbd/v", "--connection", "host")]
    public async Task Is_refused_in_one_line_with_64(string expected, params string[] args)
    {
        (int code, string stdout, string stderr) = await RunAsync(args);
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(code == 64 && lines.Length == 1, $"exit {code}, stderr:\n{stderr}");
        Assert.StartsWith("rbdfence: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, stdout);
    }

    [Fact]
    public async Task A_keyring_others_can_write_is_refused_before_connecting()
    {
        string keyring = Path.Join(_dir, "group-writable.keyring");
        await File.WriteAllTextAsync(keyring, "[client.admin]\n\tkey = AQBpc0ZlAAAAABAAdWxQm0hpeDDyVjKSrTV3Xw==\n");
        File.SetUnixFileMode(keyring, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        (int code, _, string stderr) = await RunAsync(["status", "rbd/v", "--keyring", keyring]);
        Assert.True(code == 77, $"exit {code}: {stderr}");
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"rbdfence: the keyring {keyring} is writable by group or others (mode 0660); refusing it (chmod go-w)", line);
        Assert.DoesNotContain("AQBpc0Zl", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_process_makes_itself_non_dumpable()
    {
        // The kernel gives /proc/PID/* of a non-dumpable process to root (proc(5),
        // PR_SET_DUMPABLE): run as nobody, the owner shows the flag. The control, `sleep` as
        // nobody, shows that the owner is nobody's otherwise. rbdfence is kept alive by a
        // connect to a closed loopback port (timeout 20 s).
        Assert.Equal(Nobody, await ProcOwnerAsync(Start(["sleep", "5"], asNobody: true)));
        Assert.Equal(0, await ProcOwnerAsync(Start(["dotnet", Rbdfence, "status", "rbd/v", "--connect-timeout", "20"], asNobody: true)));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const int Nobody = 65534;

    /// <summary>The owner of /proc/PID/environ once the process has started its work (2 s in), then kills it.</summary>
    private static async Task<int> ProcOwnerAsync(ProcessStartInfo psi)
    {
        using Process process = Process.Start(psi)!;
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.False(process.HasExited, $"exited {(process.HasExited ? process.ExitCode : 0)}: {(process.HasExited ? await process.StandardError.ReadToEndAsync() : string.Empty)}");
            using Process stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%u", $"/proc/{process.Id}/environ"]) { RedirectStandardOutput = true })!;
            string owner = await stat.StandardOutput.ReadToEndAsync();
            await stat.WaitForExitAsync();
            return int.Parse(owner.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    private ProcessStartInfo Start(string[] command, bool asNobody)
    {
        string conf = WriteConf();
        var psi = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in (string[])[$"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups", "--", .. command])
        {
            psi.ArgumentList.Add(a);
        }

        if (command.Length > 2 && command[0] == "dotnet")
        {
            psi.ArgumentList.Add("--conf");
            psi.ArgumentList.Add(conf);
        }

        _ = asNobody;
        psi.Environment["HOME"] = _dir;
        psi.Environment["DOTNET_CLI_HOME"] = _dir;
        psi.Environment.Remove("CEPH_ARGS");
        psi.Environment.Remove("CEPH_KEYRING");
        psi.Environment["CEPH_CONF"] = conf;
        return psi;
    }

    private string WriteConf()
    {
        string conf = Path.Join(_dir, "ceph.conf");
        // A closed loopback port: nothing is contacted outside this machine.
        File.WriteAllText(conf, "[global]\nmon host = 127.0.0.1:9\nauth supported = none\n");
        File.SetUnixFileMode(_dir, (UnixFileMode)0b111_101_101);
        return conf;
    }

    private ProcessStartInfo Start(string[] args)
    {
        string conf = WriteConf();
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Rbdfence);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.ArgumentList.Add("--conf");
        psi.ArgumentList.Add(conf);
        psi.Environment.Remove("CEPH_ARGS");
        psi.Environment.Remove("CEPH_KEYRING");
        psi.Environment["CEPH_CONF"] = conf;
        return psi;
    }

    private Task<(int Code, string StdOut, string StdErr)> RunAsync(string[] args) => BuiltCli.RunAsync(Start(args));
}
