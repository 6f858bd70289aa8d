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
/// <c>rbdfence hold --connection shared</c>: the volume's unit process when the host's shared
/// connection holds the lock. It loads no Ceph library and keeps no cluster connection: it
/// maps and unmaps the device (so the data path stays in the volume's own unit and cgroup),
/// passes the daemon's notifications on to systemd, and stops the data path for good the
/// moment the daemon is gone or silent for two check intervals. One thread waits on the
/// socket; SIGTERM asks the daemon for the ordered stop (unmap, then release).
/// </summary>
public static class SharedHoldClient
{
    /// <summary>Runs the volume to its end; returns the process exit code.</summary>
    /// <param name="request">The request's <c>key=value</c> fields (<see cref="SharedProtocol.Options"/>).</param>
    /// <param name="dataPathFor">The data path for the mode the daemon resolved.</param>
    public static int Run(
        string socketPath,
        VolumeSpec spec,
        string[] request,
        Func<LockMode, IDataPath> dataPathFor,
        string? deviceLink,
        TimeSpan interval,
        CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(dataPathFor);
        using var systemd = new SdNotify();
        if (SharedProtocol.Connect(socketPath, out string? notRunning) is not { } socket)
        {
            Console.Error.WriteLine($"rbdfence: {notRunning}");
            return ExitCodes.Unreachable;
        }

        using var stream = new NetworkStream(socket, ownsSocket: true);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var writing = new Lock();
        void Send(string verb, params string[] fields)
        {
            byte[] message = SharedProtocol.Encode(verb, fields);
            lock (writing)
            {
                try
                {
                    stream.Write(message);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
                {
                    // The daemon is gone: the read below ends and says so.
                }
            }
        }

        using CancellationTokenRegistration onStop = stop.Register(() =>
        {
            systemd.Send("STOPPING=1");
            Send(SharedProtocol.Stop);
        });
        Send(SharedProtocol.Hold, [spec.ToString(), .. request]);

        IDataPath? dataPath = null;
        string? device = null;
        string status = string.Empty;
        TimeSpan silence = 2 * interval + TimeSpan.FromSeconds(2);
        bool ready = false, detaching = false;
        while (true)
        {
            string? line;
            try
            {
                line = reader.ReadLine();
            }
            catch (IOException)
            {
                line = null; // silent past the heartbeat timeout, or reset
            }

            if (line is null)
            {
                return Abandon(spec, dataPath, deviceLink, device, systemd);
            }

            string[] message = SharedProtocol.Decode(line);
            switch (message[0])
            {
                case SharedProtocol.Attach:
                    try
                    {
                        dataPath = dataPathFor(OptionNames.TryParse(message[1], out LockMode mode) ? mode : LockMode.Advisory);
                        device = dataPath.AttachAsync(CancellationToken.None).GetAwaiter().GetResult();
                        Send(SharedProtocol.Attached, device);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        Send(SharedProtocol.Failed, CodeOf(e).ToString(CultureInfo.InvariantCulture), e.Message);
                    }

                    break;
                case SharedProtocol.Detach:
                    // The ordered stop: the daemon's signs of life stop, and a release it
                    // retries may take a while; systemd's TimeoutStopSec bounds this wait.
                    detaching = true;
                    socket.ReceiveTimeout = 0;
                    try
                    {
                        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                        dataPath?.DetachAsync(() => Send(SharedProtocol.LetGo), timeout.Token).GetAwaiter().GetResult();
                        device = null;
                        Send(SharedProtocol.Detached);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        Send(SharedProtocol.Failed, CodeOf(e).ToString(CultureInfo.InvariantCulture), e.Message);
                    }

                    break;
                case SharedProtocol.Kill:
                    Console.Error.WriteLine($"<0>rbdfence: {status}; unmapping and exiting");
                    KillDataPath(spec, dataPath);
                    device = null;
                    Send(SharedProtocol.Killed);
                    break;
                case SharedProtocol.Status when message.Length > 1:
                    status = message[1];
                    systemd.NotifyStatus(status);
                    break;
                case SharedProtocol.Ready:
                    systemd.Send("READY=1");
                    // From now on the daemon speaks every interval; two missed is a dead or frozen daemon.
                    ready = true;
                    socket.ReceiveTimeout = Milliseconds(silence);
                    break;
                case SharedProtocol.Alive when !ready && !detaching:
                    // A daemon that speaks before READY=1 too (older ones do not) is held to a
                    // silence limit from its first word: one frozen between the map and
                    // READY=1 would leave the device mapped and the unit starting for ever. Its
                    // start (a fence, the proof of the lock) shares threads that a busy boot
                    // can keep it waiting for, so the limit until READY=1 is generous.
                    socket.ReceiveTimeout = Milliseconds(silence > StartSilence ? silence : StartSilence);
                    break;
                case SharedProtocol.Watchdog:
                    systemd.NotifyWatchdog();
                    break;
                case SharedProtocol.Exit:
                    if (message.Length > 2 && message[2].Length > 0)
                    {
                        Console.Error.WriteLine($"rbdfence: {message[2]}");
                    }

                    return message.Length > 1 && int.TryParse(message[1], CultureInfo.InvariantCulture, out int code) ? code : ExitCodes.Failure;
            }
        }
    }

    /// <summary>The least silence from the daemon, until READY=1, that counts as a dead or frozen daemon.</summary>
    internal static readonly TimeSpan StartSilence = TimeSpan.FromSeconds(20);

    private static int Milliseconds(TimeSpan span) => (int)Math.Min(int.MaxValue, span.TotalMilliseconds);

    /// <summary>The daemon is gone or frozen: nothing guards the volume any more; stop it for good.</summary>
    private static int Abandon(VolumeSpec spec, IDataPath? dataPath, string? deviceLink, string? device, SdNotify systemd)
    {
        string what = $"{spec}: the host's shared connection (rbdfence daemon) is gone or not answering; the lock can no longer be guarded";
        Console.Error.WriteLine($"<0>rbdfence: {what}; unmapping and exiting");
        systemd.NotifyStatus(what);
        try
        {
            if (deviceLink is not null)
            {
                DeviceLink.Remove(deviceLink, device);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Never a reason not to stop the data path below.
            Console.Error.WriteLine($"rbdfence: {spec}: cannot remove {deviceLink}: {e.Message}");
        }

        KillDataPath(spec, dataPath);
        return ExitCodes.Failure;
    }

    /// <summary>Stops the data path for good (mounts detached, backend force-stopped); a failure is said, never thrown.</summary>
    private static void KillDataPath(VolumeSpec spec, IDataPath? dataPath)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            dataPath?.KillAsync(timeout.Token).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"rbdfence: {spec}: unmapping after the loss failed: {e.Message}");
        }
    }

    private static int CodeOf(Exception e) => e switch
    {
        UnsafeCombinationException => ExitCodes.Unsafe,
        ArgumentException => ExitCodes.Usage,
        UnauthorizedAccessException => ExitCodes.PermissionDenied,
        _ => ExitCodes.Failure,
    };
}
