using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Rbdfence.Fencing.Ceph;

namespace Rbdfence.Holding.SharedConnection;

/// <summary>
/// <c>rbdfence daemon</c>: the host's one cluster connection, serving every volume whose unit
/// asks for it (<c>connection=shared</c>). Listens on a unix socket in the state directory,
/// readable by root only; each connection is one volume's <see cref="SharedSession"/>. If
/// this process dies or stops answering, every unit process it served loses its session
/// and stops its data path: nothing stays mounted unguarded.
/// </summary>
public sealed partial class SharedConnectionDaemon(string socketPath, ILoggerFactory logs)
{
    private readonly ILogger _log = logs.CreateLogger("Rbdfence.SharedConnectionDaemon");
    private readonly SharedConnections _connections = new();
    private int _sessions;

    /// <summary>
    /// Serves until <paramref name="stop"/>; <paramref name="listening"/> runs once requests are
    /// accepted. The connections of <paramref name="expected"/> (the table's shared volumes)
    /// are made meanwhile, in the background: a volume that gets its lock then starts without
    /// waiting for cephx and the maps (a hand-over's new holder is not slowed by a connect).
    /// A connection that fails here is only logged: the request that needs it tries again.
    /// </summary>
    public async Task RunAsync(Action listening, IReadOnlyCollection<CephClientOptions> expected, CancellationToken stop)
    {
        _ = Task.Run(
            () =>
            {
                foreach (CephClientOptions options in expected)
                {
                    try
                    {
                        _connections.Get(options);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        LogWarmUpFailed(options.Id, e.Message);
                    }
                }
            },
            stop);

        Directory.CreateDirectory(Path.GetDirectoryName(socketPath)!);
        // A socket file left by a daemon that died: nothing listens there any more.
        File.Delete(socketPath);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(socketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        listener.Listen(512);
        listening();
        LogListening(socketPath);
        try
        {
            while (true)
            {
                Socket accepted = await listener.AcceptAsync(stop).ConfigureAwait(false);
                _ = ServeAsync(accepted, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Units stop before this daemon (they are ordered after it); any still here lose
            // their session when this process exits, and stop their data path.
        }
        finally
        {
            File.Delete(socketPath);
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken stop)
    {
        Interlocked.Increment(ref _sessions);
        try
        {
            using var session = new SharedSession(socket, _connections, logs);
            await session.RunAsync(stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            LogSessionFailed(e.Message);
        }
        finally
        {
            Interlocked.Decrement(ref _sessions);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "serving volumes on {Socket}")]
    private partial void LogListening(string socket);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cannot connect as client.{Id} yet: {Reason}; a volume that needs it will try again")]
    private partial void LogWarmUpFailed(string id, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "a session ended early: {Reason}")]
    private partial void LogSessionFailed(string reason);
}
