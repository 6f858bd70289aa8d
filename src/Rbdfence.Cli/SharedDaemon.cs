using System.CommandLine;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Rbdfence.Fencing;
using Rbdfence.Holding;
using Rbdfence.Holding.SharedConnection;

namespace Rbdfence.Cli;

/// <summary><c>rbdfence daemon</c>: the host's shared cluster connection (rbdfenced.service).</summary>
internal static class SharedDaemon
{
    public static Command Build()
    {
        var command = new Command(
            "daemon",
            "Serve the host's one cluster connection to every volume held with --connection shared (rbdfenced.service's main process)");
        command.SetAction((parse, cancel) => RunAsync(cancel));
        return command;
    }

    private static async Task<int> RunAsync(CancellationToken cancel)
    {
        using ILoggerFactory logs = LoggerFactory.Create(b => b.AddSystemdConsole(o => o.IncludeScopes = false));
        using var systemd = new SdNotify();
        var daemon = new SharedConnectionDaemon(SharedProtocol.SocketPath(Lease.StateDirectory), logs);
        try
        {
            await daemon.RunAsync(() => systemd.Send("READY=1"), cancel).ConfigureAwait(false);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            System.Console.Error.WriteLine($"rbdfence: cannot listen on {SharedProtocol.SocketPath(Lease.StateDirectory)}: {e.Message}");
            return ExitCodes.Failure;
        }

        systemd.Send("STOPPING=1");
        return ExitCodes.Ok;
    }
}
