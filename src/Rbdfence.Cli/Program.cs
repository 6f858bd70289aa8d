using System;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Threading;
using System.Threading.Tasks;
using Rbdfence.Fencing;
using Rbdfence.Volumes;

namespace Rbdfence.Cli;

internal static class Program
{
    // Built once: its options are static, and each build would add them to new parents.
    private static readonly RootCommand Root = Commands.Build();

    private static async Task<int> Main(string[] args)
    {
        // First, before librados reads a key: a crash must not write it into a core file.
        if (CoreDumps.Disable() is not 0 and int errno)
        {
            Console.Error.WriteLine($"rbdfence: cannot make this process non-dumpable (prctl errno {errno}); refusing to handle keys");
            return ExitCodes.Failure;
        }

        ParseResult parsed = Parse(args);
        if (parsed.Errors.Count > 0 && !IsHelp(args))
        {
            // One line, the first problem (whatever the input smuggled in stays printable); --help has the rest.
            Console.Error.WriteLine($"rbdfence: {Printable.Quote(parsed.Errors[0].Message, 200)} (see 'rbdfence --help')");
            return ExitCodes.Usage;
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                // SIGTERM cancels the verb, which then finishes what it must (the holder unmaps
                // and releases). System.CommandLine's default gives it 2 s and then exits 143
                // mid-stop, with the device mapped or the lock held; systemd's TimeoutStopSec
                // (and its SIGKILL) is the bound that belongs to the operator.
                ProcessTerminationTimeout = Timeout.InfiniteTimeSpan,
            }).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The last resort: whatever a verb did not expect is one line and exit 1, never a stack trace.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine($"rbdfence: unexpected {e.GetType().Name}: {Printable.Quote(e.Message, 200)}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>
    /// The command line as rbdfence reads it. No response files: System.CommandLine would
    /// otherwise read any argument starting with '@' as a file of more arguments (a spec
    /// "@/etc/shadow" would be opened; one with a NUL in it threw).
    /// </summary>
    internal static ParseResult Parse(string[] args) =>
        Root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });

    private static bool IsHelp(string[] args) => Array.Exists(args, a => a is "-h" or "--help" or "-?");
}
