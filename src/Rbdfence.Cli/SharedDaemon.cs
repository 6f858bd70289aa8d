using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Rbdfence.Fencing;
using Rbdfence.Fencing.Ceph;
using Rbdfence.Holding;
using Rbdfence.Holding.SharedConnection;
using Rbdfence.Table;

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
            await daemon.RunAsync(() => systemd.Send("READY=1"), SharedVolumesOfTable(), cancel).ConfigureAwait(false);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            System.Console.Error.WriteLine($"rbdfence: cannot listen on {SharedProtocol.SocketPath(Lease.StateDirectory)}: {e.Message}");
            return ExitCodes.Failure;
        }

        systemd.Send("STOPPING=1");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// The cluster clients the table's connection=shared volumes will ask for, exactly as
    /// their units' `hold --connection shared` names them (the defaults filled in the same
    /// way), so that the daemon can connect before they ask. No table, or an unreadable one: none.
    /// </summary>
    private static List<CephClientOptions> SharedVolumesOfTable()
    {
        string path = Environment.GetEnvironmentVariable("RBDFENCE_TAB") is { Length: > 0 } given ? given : VolumeTable.DefaultPath;
        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }

        return VolumeTable.Parse(content)
            .Select(line => line.Volume)
            .OfType<VolumeEntry>()
            .Where(v => v.SharedConnection)
            .Select(v => SharedProtocol.Client(v.Id ?? "admin", v.Keyring, v.Conf, TimeSpan.FromSeconds(10)))
            .Distinct()
            .ToList();
    }
}
