using System;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;
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

        // SIGTERM (systemd stopping the unit) and SIGINT cancel the verb, which then finishes
        // what it must (the holder unmaps and releases); systemd's TimeoutStopSec (and its
        // SIGKILL) is the bound that belongs to the operator. Registered here, before the verb
        // starts: System.CommandLine's own handling registers only once the verb's first await
        // yields, and a verb that already printed "waiting" by then could be stopped in that
        // window by the runtime's default action (exit 143, nothing cleaned up), seen once in
        // the release matrix. Its 2 s forced exit is off for the same reason.
        using var stop = new CancellationTokenSource();
        void OnStop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnStop);
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStop);
        try
        {
            return await parsed.InvokeAsync(
                new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null },
                stop.Token).ConfigureAwait(false);
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
