using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;

namespace Rbdfence.Cli.Tests;

/// <summary>The rbdfence these tests run as a whole process: the build of the same configuration as this test assembly.</summary>
internal static class BuiltCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The repository: this assembly runs from &lt;repo&gt;/tests/Rbdfence.Cli.Tests/bin/&lt;Configuration&gt;/&lt;tfm&gt;/.</summary>
    public static string RepoRoot { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Parent!.Parent!.Parent!.Parent!.FullName;

    /// <summary>&lt;repo&gt;/src/Rbdfence.Cli/bin/&lt;Configuration&gt;/&lt;tfm&gt;/rbdfence.dll, to run with <c>dotnet</c>.</summary>
    public static string Dll { get; } = Find();

    /// <summary>Runs <paramref name="psi"/> (its output redirected) to its end, killed after 30 s.</summary>
    public static async Task<(int Code, string StdOut, string StdErr)> RunAsync(ProcessStartInfo psi)
    {
        using Process process = Process.Start(psi)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Task exited = process.WaitForExitAsync();
        if (await Task.WhenAny(exited, Task.Delay(Timeout)) != exited)
        {
            process.Kill();
            throw new TimeoutException($"{psi.FileName} {string.Join(' ', psi.ArgumentList)} still running after {Timeout.TotalSeconds:0} s");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        string path = Path.Combine(RepoRoot, "src", "Rbdfence.Cli", "bin", dir.Parent!.Name, dir.Name, "rbdfence.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("rbdfence.dll was not built", path);
    }
}
