using System;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Threading.Tasks;
using Rbdfence.Fencing;

namespace Rbdfence.Cli;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        RootCommand root = Commands.Build();
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 && !IsHelp(args))
        {
            // One line, the first problem; --help has the rest.
            Console.Error.WriteLine($"rbdfence: {parsed.Errors[0].Message} (see 'rbdfence --help')");
            return ExitCodes.Usage;
        }

        return await parsed.InvokeAsync().ConfigureAwait(false);
    }

    private static bool IsHelp(string[] args) => Array.Exists(args, a => a is "-h" or "--help" or "-?");
}
