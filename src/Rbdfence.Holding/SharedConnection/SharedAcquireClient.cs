using System;
using System.Globalization;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using Rbdfence.Fencing;
using Rbdfence.Volumes;

namespace Rbdfence.Holding.SharedConnection;

/// <summary>
/// <c>rbdfence acquire --connection shared</c>: the unit's ExecStartPre when the host's shared
/// connection serves the volume. The daemon takes the lock (and waits for it) over its one
/// cluster connection, so that a volume's start costs no cluster client of its own; this
/// process loads no Ceph library, passes the daemon's waiting status on to systemd, and
/// withdraws the request when it is stopped (closing the socket ends the daemon's wait).
/// </summary>
public static class SharedAcquireClient
{
    /// <summary>What the daemon answered: the outcome, or an exit code and its message.</summary>
    public sealed record Answer(AcquireResult? Result, string Cookie, int ExitCode, string? Message);

    /// <summary>Asks the daemon at <paramref name="socketPath"/> for the lock; <paramref name="progress"/> gets each status line.</summary>
    /// <param name="request">The request's <c>key=value</c> fields (<see cref="SharedProtocol.Options"/>).</param>
    public static Answer Run(string socketPath, VolumeSpec spec, string[] request, Action<string> progress, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(progress);
        using var systemd = new SdNotify();
        if (SharedProtocol.Connect(socketPath, out string? notRunning) is not { } socket)
        {
            return new Answer(null, string.Empty, ExitCodes.Unreachable, notRunning);
        }

        using var stream = new NetworkStream(socket, ownsSocket: true);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        // A stop withdraws the request: the daemon sees the socket close and stops waiting.
        using CancellationTokenRegistration onStop = stop.Register(() => socket.Shutdown(SocketShutdown.Both));
        try
        {
            stream.Write(SharedProtocol.Encode(SharedProtocol.Acquire, [spec.ToString(), .. request]));
            while (reader.ReadLine() is { } line)
            {
                string[] message = SharedProtocol.Decode(line);
                switch (message[0])
                {
                    case SharedProtocol.Status when message.Length > 1:
                        systemd.NotifyStatus(message[1]);
                        progress(message[1]);
                        break;
                    case SharedProtocol.Acquired:
                        if (!SharedAcquireResult.TryParse(message.AsSpan(1), out AcquireResult? result, out string cookie))
                        {
                            return new Answer(null, string.Empty, ExitCodes.Failure, $"{spec}: the shared connection answered an acquire it could not have sent");
                        }

                        // As an acquire of its own says it: the waiting status must not outlive the wait.
                        if (result.MayMap)
                        {
                            systemd.NotifyStatus(SdNotify.AcquiredStatus(result));
                        }

                        return new Answer(result, cookie, result.MayMap ? ExitCodes.Ok : ExitCodes.Contended, null);
                    case SharedProtocol.Exit:
                        return new Answer(null, string.Empty,
                            message.Length > 1 && int.TryParse(message[1], CultureInfo.InvariantCulture, out int code) ? code : ExitCodes.Failure,
                            message.Length > 2 && message[2].Length > 0 ? message[2] : null);
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // Stopped, or the daemon went away: said below.
        }

        return stop.IsCancellationRequested
            ? new Answer(null, string.Empty, ExitCodes.Failure, $"{spec}: stopped by a signal before 'acquire' finished")
            : new Answer(null, string.Empty, ExitCodes.Unreachable, $"{spec}: the host's shared connection (rbdfence daemon) went away before it answered");
    }
}
