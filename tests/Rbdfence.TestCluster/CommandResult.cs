using System;

namespace Rbdfence.TestCluster;

/// <summary>What a finished (or timed-out) command left behind.</summary>
/// <param name="Command">The command line, for messages.</param>
/// <param name="ExitCode">The exit status; -1 when the command timed out and was killed.</param>
/// <param name="StdOut">Everything it wrote to standard output.</param>
/// <param name="StdErr">Everything it wrote to standard error.</param>
/// <param name="TimedOut">True when it ran past its timeout and was killed.</param>
public sealed record CommandResult(string Command, int ExitCode, string StdOut, string StdErr, bool TimedOut)
{
    /// <summary>True when the command exited with status 0.</summary>
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>Returns this result, or throws with the command's output when it failed.</summary>
    public CommandResult EnsureSuccess()
    {
        if (!Succeeded)
        {
            throw new CommandFailedException(this);
        }

        return this;
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        string status = TimedOut ? "timed out" : $"exit {ExitCode}";
        return $"`{Command}`: {status}\n--- stdout ---\n{StdOut.TrimEnd()}\n--- stderr ---\n{StdErr.TrimEnd()}";
    }
}

/// <summary>A command that was expected to succeed did not.</summary>
public sealed class CommandFailedException : Exception
{
    /// <summary>Creates the exception for <paramref name="result"/>.</summary>
    public CommandFailedException(CommandResult result)
        : base(result.ToString())
    {
        Result = result;
    }

    /// <summary>The failed command's result.</summary>
    public CommandResult Result { get; }
}
