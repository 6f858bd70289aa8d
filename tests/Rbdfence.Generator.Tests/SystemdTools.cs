using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using Xunit.Sdk;

namespace Rbdfence.Generator.Tests;

/// <summary>
/// Runs the real systemd tools (the oracles) and the built generator. A missing tool is a
/// test failure that says what to install, never a silent skip.
/// </summary>
internal static class SystemdTools
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(string program, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach ((string key, string value) in environment)
            {
                start.Environment[key] = value;
            }
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new XunitException($"could not start {program}");
        }
        catch (Win32Exception e)
        {
            throw new XunitException(
                $"{program} is needed by this test and could not be run ({e.Message}). " +
                "Install systemd (Debian: apt-get install systemd) — the tests use systemd-escape and systemd-analyze as oracles.");
        }

        using (process)
        {
            process.StandardInput.Close();
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return new Result(process.ExitCode, stdout, stderr.Result);
        }
    }

    /// <summary><c>systemd-escape ARGS -- TEXT</c>: the escaped text, or null if systemd-escape refuses it.</summary>
    public static string? Escape(string text, params string[] options)
    {
        Result result = Run("systemd-escape", [.. options, "--", text]);
        return result.ExitCode == 0 ? result.Stdout.TrimEnd('\n') : null;
    }
}
