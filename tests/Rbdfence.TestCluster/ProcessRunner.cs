using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

using Rbdfence.Mapping;

namespace Rbdfence.TestCluster;

/// <summary>
/// Runs a program to completion with captured output and a hard timeout, through the
/// product's own runner; a test reads all of the output, however long the pipes stay open.
/// </summary>
internal static class ProcessRunner
{
    public static async Task<CommandResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null,
        CancellationToken cancellationToken = default,
        Action<Process>? started = null)
    {
        var psi = new ProcessStartInfo(fileName);
        foreach (string argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach ((string name, string? value) in environment)
            {
                if (value is null)
                {
                    psi.Environment.Remove(name);
                }
                else
                {
                    psi.Environment[name] = value;
                }
            }
        }

        string commandLine = string.Join(' ', new[] { fileName }.Concat(psi.ArgumentList).Select(Quote));
        CommandOutput output = await ProcessCommandRunner.RunAsync(psi, timeout, Timeout.InfiniteTimeSpan, started, cancellationToken).ConfigureAwait(false);
        return new CommandResult(commandLine, output.ExitCode, output.StdOut, output.StdErr, output.TimedOut);
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,@+".Contains(c))
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
