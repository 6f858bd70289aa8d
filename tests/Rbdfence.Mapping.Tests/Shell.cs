using System;
using System.Threading.Tasks;

namespace Rbdfence.Mapping.Tests;

/// <summary>Runs a tool and throws with its output when it fails.</summary>
internal static class Shell
{
    public static async Task<CommandOutput> RunAsync(string program, params string[] arguments)
    {
        CommandOutput output = await new ProcessCommandRunner().RunAsync(program, arguments, TimeSpan.FromSeconds(60));
        if (!output.Succeeded)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)}: exit {output.ExitCode}: {output.Message}");
        }

        return output;
    }
}
