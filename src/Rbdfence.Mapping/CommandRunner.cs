using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace Rbdfence.Mapping;

/// <summary>What a finished (or timed-out) command printed and returned.</summary>
/// <param name="ExitCode">The exit status; -1 when it timed out and was killed, 127 when it could not start.</param>
/// <param name="StdOut">Its standard output.</param>
/// <param name="StdErr">Its standard error.</param>
/// <param name="TimedOut">True when it ran past its timeout.</param>
public sealed record CommandOutput(int ExitCode, string StdOut, string StdErr, bool TimedOut)
{
    /// <summary>True when it exited with status 0.</summary>
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>Standard error, else standard output, trimmed: the part worth quoting in an error.</summary>
    public string Message => (StdErr.Trim().Length > 0 ? StdErr : StdOut).Trim();
}

/// <summary>Runs helper programs (rbd-fuse, losetup, rbd-nbd, …). Arguments never carry a secret.</summary>
public interface ICommandRunner
{
    /// <summary>Runs <paramref name="fileName"/> to completion (or <paramref name="timeout"/>, then kills it).</summary>
    Task<CommandOutput> RunAsync(string fileName, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken = default);
}

/// <summary>
/// <see cref="ICommandRunner"/> with <see cref="Process"/>. A program that daemonizes may
/// leave a child holding its output pipes: output is read until the program itself exits
/// plus a short grace, never until the daemon's exit.
/// </summary>
public sealed class ProcessCommandRunner : ICommandRunner
{
    private static readonly TimeSpan s_outputGrace = TimeSpan.FromMilliseconds(500);

    /// <inheritdoc/>
    public Task<CommandOutput> RunAsync(string fileName, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(fileName);
        foreach (string argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        return RunAsync(psi, timeout, s_outputGrace, started: null, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="psi"/> (its program, arguments and environment; the output is
    /// captured and standard input closed here) to completion, or <paramref name="timeout"/>
    /// then kills it. Its output is read for <paramref name="outputGrace"/> after it exited
    /// (<see cref="Timeout.InfiniteTimeSpan"/>: until every writer closed it). <paramref name="started"/>
    /// sees the process once it runs.
    /// </summary>
    public static async Task<CommandOutput> RunAsync(ProcessStartInfo psi, TimeSpan timeout, TimeSpan outputGrace, Action<Process>? started, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(psi);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.RedirectStandardInput = true;
        psi.UseShellExecute = false;
        string fileName = psi.FileName;
        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            return new CommandOutput(127, string.Empty, $"cannot start {fileName}: {e.Message}", TimedOut: false);
        }

        started?.Invoke(process);
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        Task<string> stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        bool timedOut = false;
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            timedOut = !cancellationToken.IsCancellationRequested;
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited between the timeout and the kill.
            }

            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        string output = await Drain(stdout, outputGrace).ConfigureAwait(false);
        string error = await Drain(stderr, outputGrace).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return new CommandOutput(timedOut ? -1 : process.ExitCode, output, error, timedOut);
    }

    private static async Task<string> Drain(Task<string> reader, TimeSpan grace)
    {
        try
        {
            return await reader.WaitAsync(grace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return string.Empty;
        }
    }
}
