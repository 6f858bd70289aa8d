using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rbdfence.Fencing;
using Rbdfence.Fencing.Ceph;
using Rbdfence.Interop;
using Rbdfence.Volumes;

namespace Rbdfence.Holding.SharedConnection;

/// <summary>
/// One volume held through the host's shared connection: a <see cref="VolumeHolder"/> run in
/// the daemon, whose data path and systemd notifications are the volume's unit process's,
/// reached over its socket. The holder's logic (lock, watch, proof, guard, ordered release,
/// loss) is the very one a holder of its own connection runs; only its ends are remote.
/// </summary>
internal sealed partial class SharedSession : IDataPath, IHolderNotify, IHostApplicationLifetime, IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;
    private readonly SharedConnections _connections;
    private readonly ILoggerFactory _logs;
    private readonly ILogger _log;
    private readonly Lock _writing = new();
    private readonly TaskCompletionSource _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _peerGone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _ended = new();
    private TaskCompletionSource<string[]>? _reply;
    private Action? _released;
    private LockMode _mode;
    private string _spec = "?";

    public SharedSession(Socket socket, SharedConnections connections, ILoggerFactory logs)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new StreamReader(_stream, Encoding.UTF8);
        _connections = connections;
        _logs = logs;
        _log = logs.CreateLogger("Rbdfence.SharedSession");
    }

    public CancellationToken ApplicationStarted => CancellationToken.None;

    public CancellationToken ApplicationStopping => _ended.Token;

    public CancellationToken ApplicationStopped => _ended.Token;

    /// <summary>Serves the one request of this connection, to its end.</summary>
    public async Task RunAsync(CancellationToken shutdown)
    {
        string? first = await _reader.ReadLineAsync(shutdown).ConfigureAwait(false);
        if (first is null || SharedProtocol.Decode(first) is not [string verb and (SharedProtocol.Hold or SharedProtocol.Acquire), string specText, ..] request)
        {
            Send(SharedProtocol.Exit, ExitCodes.Usage.ToString(CultureInfo.InvariantCulture), "expected a hold or acquire request");
            return;
        }

        if (!VolumeSpec.TryParse(specText, out VolumeSpec? spec, out string? error))
        {
            Send(SharedProtocol.Exit, ExitCodes.Usage.ToString(CultureInfo.InvariantCulture), error);
            return;
        }

        _spec = spec.ToString();
        Task reading = ReadLoopAsync();
        Dictionary<string, string> options = SharedProtocol.ParseOptions(request);
        (int code, string? message) = verb == SharedProtocol.Acquire
            ? await AcquireAsync(spec, options, shutdown).ConfigureAwait(false)
            : await HoldAsync(spec, options, shutdown).ConfigureAwait(false);
        if (code != AnsweredCode)
        {
            Send(SharedProtocol.Exit, code.ToString(CultureInfo.InvariantCulture), message ?? string.Empty);
        }

        _socket.Shutdown(SocketShutdown.Send);
        await reading.ConfigureAwait(false);
    }

    /// <summary>An acquire that answered with its outcome: no exit message follows.</summary>
    private const int AnsweredCode = -1;

    /// <summary>
    /// The unit's ExecStartPre over this host's connection: takes the lock, fencing a stale
    /// holder, waiting as long as asked (for the cluster too), exactly as <c>rbdfence
    /// acquire</c> over its own connection would; ends when the unit process goes away.
    /// </summary>
    private async Task<(int Code, string? Message)> AcquireAsync(VolumeSpec spec, Dictionary<string, string> options, CancellationToken shutdown)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(_ended.Token, shutdown);
        TimeSpan wait = options.TryGetValue("wait", out string? waitText) && double.TryParse(waitText, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds)
            ? seconds < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(seconds)
            : TimeSpan.Zero;
        return await RunVolumeAsync(spec, options, wait, cancel.Token, async (volume, _) =>
        {
            DateTime waitingSince = DateTime.UtcNow;
            AcquireResult result = await Task.Run(
                () => volume.AcquireAsync(wait, contended => Send(SharedProtocol.Status, SdNotify.WaitingStatus(waitingSince, contended.Holder)), cancel.Token),
                cancel.Token).ConfigureAwait(false);
            if (result.MayMap)
            {
                volume.SaveLease();
            }

            // The unit may have stopped waiting while the lock was being taken (a take is not
            // interrupted: a fence's blocklist, break and lock run to their end). Its
            // ExecStopPost lets go only of a lease it finds, and it may have looked before the
            // one just saved: a lock taken for a unit that is gone would stay taken, and a
            // waiting peer would fence this host for it. So such a lock is let go here; nothing
            // was mapped under it. Looked at after the lease is saved: a unit that goes later
            // finds the lease, one that went earlier has closed its socket by now.
            if (result.Status == AcquireStatus.Acquired && Withdrawn(cancel.Token))
            {
                await Task.Run(() => volume.Release(FencedVolume.ReleaseRetry), CancellationToken.None).ConfigureAwait(false);
                LogWithdrawnLetGo(_spec);
                return (ExitCodes.Failure, $"{_spec}: the request was withdrawn before it finished; the lock it took is let go");
            }

            Send(SharedProtocol.Acquired, SharedAcquireResult.Fields(result, volume.Cookie));
            return (AnsweredCode, null);
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether the unit process has withdrawn its request: seen by the read loop, or (not yet
    /// seen there) its end of the socket closed, which the kernel shows at once.
    /// </summary>
    private bool Withdrawn(CancellationToken cancel)
    {
        if (cancel.IsCancellationRequested || _peerGone.Task.IsCompleted)
        {
            return true;
        }

        try
        {
            // Readable with nothing to read: the end of the stream. The acquire client sends
            // nothing after its request.
            return _socket.Poll(0, SelectMode.SelectRead) && _socket.Available == 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    private async Task<(int Code, string? Message)> HoldAsync(VolumeSpec spec, Dictionary<string, string> options, CancellationToken shutdown)
    {
        var hold = new HoldOptions
        {
            CheckInterval = TimeSpan.FromSeconds(Seconds(options, "interval", 5)),
            DeviceLink = options.GetValueOrDefault("device-link"),
            AcquiredBeforeHold = true,
        };
        return await RunVolumeAsync(spec, options, TimeSpan.Zero, shutdown, async (volume, timings) =>
        {
            _mode = volume.Mode;
            // Disposed before the volume it holds (RunVolumeAsync disposes that last).
            using var holder = new VolumeHolder(volume, this, hold, timings, this, this, _logs.CreateLogger<VolumeHolder>());
            // Signs of life from the start of the hold, not only from READY=1: the unit process
            // stops its data path when they stop, frozen daemon before READY=1 included.
            using var heartbeat = new CancellationTokenSource();
            Task beating = HeartbeatAsync(hold.CheckInterval, heartbeat.Token);
            Task ended;
            try
            {
                await Task.Run(() => holder.StartAsync(_ended.Token), shutdown).ConfigureAwait(false);
                Send(SharedProtocol.Ready);
                ended = await Task.WhenAny(_stopRequested.Task, _lost.Task, _peerGone.Task).ConfigureAwait(false);
            }
            finally
            {
                await heartbeat.CancelAsync().ConfigureAwait(false);
                await beating.ConfigureAwait(false);
            }

            if (ended == _peerGone.Task)
            {
                await holder.AbandonAsync().ConfigureAwait(false);
                LogAbandoned(_spec);
                return (ExitCodes.Failure, null);
            }

            if (ended == _stopRequested.Task)
            {
                await Task.Run(() => holder.StopAsync(CancellationToken.None), CancellationToken.None).ConfigureAwait(false);
            }

            return (holder.ExitCode, null);
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens <paramref name="spec"/> over this host's connection for its client (reached
    /// within <paramref name="reachWithin"/>: an acquire that waits also waits for the
    /// cluster) and runs <paramref name="body"/> on it; every failure becomes an exit code
    /// and a message, never an exception out of the daemon.
    /// </summary>
    private async Task<(int Code, string? Message)> RunVolumeAsync(
        VolumeSpec spec,
        Dictionary<string, string> options,
        TimeSpan reachWithin,
        CancellationToken cancel,
        Func<FencedVolume, StartupTimings, Task<(int Code, string? Message)>> body)
    {
        FencedVolume? volume = null;
        CephClientOptions? client = null;
        RadosCluster? cluster = null;
        try
        {
            long verbStartedAt = Stopwatch.GetTimestamp();
            client = new CephClientOptions
            {
                Id = options.GetValueOrDefault("id", "admin"),
                Keyring = options.GetValueOrDefault("keyring"),
                Conf = options.GetValueOrDefault("conf"),
                ConnectTimeout = TimeSpan.FromSeconds(Seconds(options, "connect-timeout", 10)),
            };
            var fence = new FenceOptions
            {
                Mode = OptionNames.TryParse(options.GetValueOrDefault("mode", "auto"), out LockMode mode) ? mode : LockMode.Auto,
                Grace = TimeSpan.FromSeconds(Seconds(options, "grace", 45)),
                BlocklistExpiry = TimeSpan.FromSeconds(Seconds(options, "blocklist-expiry", 3600)),
                KubeletCookie = options.GetValueOrDefault("kubelet-cookie") == "yes",
            };

            long connecting = Stopwatch.GetTimestamp();
            cluster = await ConnectAsync(client, reachWithin, cancel).ConfigureAwait(false);
            long connected = Stopwatch.GetTimestamp();
            volume = await Task.Run(() => FencedVolume.Open(cluster, spec, HostIdentity.FromSystem(), fence), cancel).ConfigureAwait(false);
            long opened = Stopwatch.GetTimestamp();
            var timings = new StartupTimings(TimeSpan.Zero, verbStartedAt, Stopwatch.GetElapsedTime(connecting, connected), Stopwatch.GetElapsedTime(connected, opened), opened);
            (int code, string? message) = await body(volume, timings).ConfigureAwait(false);
            if (code == ExitCodes.Fenced)
            {
                // This connection is blocklisted: every volume on it is fenced, and a new
                // request must not be served from it.
                _connections.Forget(client, cluster);
            }

            return (code, message);
        }
        catch (HoldException e)
        {
            return (e.ExitCode, e.Message);
        }
        catch (CephException e)
        {
            if (ExitCodes.ForErrno(e.Errno) == ExitCodes.Fenced && client is not null && cluster is not null)
            {
                _connections.Forget(client, cluster);
            }

            return (ExitCodes.ForErrno(e.Errno), $"{e.Operation}: {CephErrorText.Describe(e.Errno)}");
        }
        catch (UnsafeCombinationException e)
        {
            return (ExitCodes.Unsafe, e.Message);
        }
        catch (FileNotFoundException e)
        {
            return (ExitCodes.Usage, e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            return (ExitCodes.PermissionDenied, e.Message);
        }
        catch (SharedPeerFailedException e)
        {
            return (e.ExitCode, e.Message);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return (ExitCodes.Failure, $"{_spec}: the request was withdrawn before it finished");
        }
#pragma warning disable CA1031 // Whatever the holder did not expect ends this volume with a message, never the daemon.
        catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            return (ExitCodes.Failure, $"{_spec}: {e.Message}");
        }
        finally
        {
            volume?.Dispose();
        }
    }

    /// <summary>This host's connection for <paramref name="client"/>; while the cluster is unreachable, tried again within <paramref name="within"/>.</summary>
    private async Task<RadosCluster> ConnectAsync(CephClientOptions client, TimeSpan within, CancellationToken cancel)
    {
        long started = Stopwatch.GetTimestamp();
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await Task.Run(() => _connections.Get(client), cancel).ConfigureAwait(false);
            }
            catch (CephException e) when (ExitCodes.ForErrno(e.Errno) == ExitCodes.Unreachable &&
                (within == Timeout.InfiniteTimeSpan || within > Stopwatch.GetElapsedTime(started)))
            {
                TimeSpan left = within == Timeout.InfiniteTimeSpan ? TimeSpan.MaxValue : within - Stopwatch.GetElapsedTime(started);
                TimeSpan pause = TimeSpan.FromSeconds(Math.Min(5, attempt));
                Send(SharedProtocol.Status, $"the cluster is unreachable ({CephErrorText.Describe(e.Errno)}); trying again in {pause.TotalSeconds:0} s");
                await Task.Delay(pause < left ? pause : left, cancel).ConfigureAwait(false);
            }
        }
    }

    private static double Seconds(Dictionary<string, string> options, string key, double fallback) =>
        options.TryGetValue(key, out string? text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value > 0 ? value : fallback;

    /// <summary>A sign of life every check interval: the unit process stops the volume when they cease.</summary>
    private async Task HeartbeatAsync(TimeSpan interval, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            // A first word at once: the unit process holds this daemon to a silence limit
            // from then on, a start frozen within its first interval included.
            Send(SharedProtocol.Alive);
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                Send(SharedProtocol.Alive);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (await _reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                string[] message = SharedProtocol.Decode(line);
                switch (message[0])
                {
                    case SharedProtocol.Stop:
                        _stopRequested.TrySetResult();
                        break;
                    case SharedProtocol.LetGo:
                        Interlocked.Exchange(ref _released, null)?.Invoke();
                        break;
                    default:
                        _reply?.TrySetResult(message);
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            // gone: as at end of stream
        }

        _peerGone.TrySetResult();
        _reply?.TrySetException(new IOException($"{_spec}: the volume's unit process is gone"));
        await _ended.CancelAsync().ConfigureAwait(false);
    }

    private async Task<string[]> AskAsync(string verb, params string[] fields)
    {
        var reply = new TaskCompletionSource<string[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _reply = reply;
        if (_peerGone.Task.IsCompleted)
        {
            throw new IOException($"{_spec}: the volume's unit process is gone");
        }

        Send(verb, fields);
        string[] answer = await reply.Task.ConfigureAwait(false);
        if (answer is [SharedProtocol.Failed, string code, string message, ..])
        {
            throw new SharedPeerFailedException(int.TryParse(code, CultureInfo.InvariantCulture, out int exit) ? exit : ExitCodes.Failure, message);
        }

        return answer;
    }

    async Task<string> IDataPath.AttachAsync(CancellationToken cancel)
    {
        string[] answer = await AskAsync(SharedProtocol.Attach, OptionNames.Of(_mode)).ConfigureAwait(false);
        return answer is [SharedProtocol.Attached, string device, ..] ? device : throw new IOException($"{_spec}: unexpected answer '{answer[0]}' to attach");
    }

    async Task IDataPath.DetachAsync(Action? released, CancellationToken cancel)
    {
        _released = released;
        await AskAsync(SharedProtocol.Detach).ConfigureAwait(false);
        // A data path that had nothing to let go says so only by finishing.
        Interlocked.Exchange(ref _released, null)?.Invoke();
    }

    async Task IDataPath.KillAsync(CancellationToken cancel) =>
        await AskAsync(SharedProtocol.Kill).ConfigureAwait(false);

    void IHolderNotify.NotifyWatchdog() => Send(SharedProtocol.Watchdog);

    void IHolderNotify.NotifyStatus(string status) => Send(SharedProtocol.Status, status);

    /// <summary>The holder stops itself (the lock is lost): the session ends with its exit code.</summary>
    public void StopApplication() => _lost.TrySetResult();

    private void Send(string verb, params string[] fields)
    {
        byte[] message = SharedProtocol.Encode(verb, fields);
        lock (_writing)
        {
            try
            {
                _stream.Write(message);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
            {
                // The unit process is gone; the read loop notices and ends the session.
            }
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _stream.Dispose();
        _ended.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Volume}: its unit process went away without a stop; no longer guarded here, the lock kept for its release")]
    private partial void LogAbandoned(string volume);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Volume}: its unit stopped waiting while the lock was being taken; the lock is let go again")]
    private partial void LogWithdrawnLetGo(string volume);
}

/// <summary>The unit process could not do what the holder asked (attach, detach, kill).</summary>
internal sealed class SharedPeerFailedException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
