using System;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Rbdfence.Fencing;

namespace Rbdfence.Holding;

/// <summary>
/// sd_notify(3) for what the hosting's SystemdLifetime does not send (it sends READY=1 once
/// every hosted service has started, and STOPPING=1): the watchdog ping, which goes out
/// every check interval over one socket kept open from a preencoded buffer, allocating
/// nothing, and STATUS= lines. Does nothing when <c>NOTIFY_SOCKET</c> is unset.
/// </summary>
public sealed class SdNotify : IHolderNotify, IDisposable
{
    private static readonly byte[] Watchdog = "WATCHDOG=1"u8.ToArray();

    private readonly Socket? _socket;

    public SdNotify(string? socketPath = null)
    {
        socketPath ??= Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(socketPath))
        {
            return;
        }

        // An abstract socket is named with a leading '@' and addressed with a leading NUL.
        string path = socketPath[0] == '@' ? "\0" + socketPath[1..] : socketPath;
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            _socket = socket;
        }
        catch (SocketException)
        {
            // As sd_notify(3): no manager to tell is not the caller's failure.
            socket.Dispose();
        }
    }

    public bool Enabled => _socket is not null;

    public void NotifyWatchdog() => Send(Watchdog);

    /// <summary>A <c>STATUS=</c> line a person reads in <c>systemctl status</c>.</summary>
    public void NotifyStatus(string status) => Send("STATUS=" + status);

    /// <summary>
    /// What a waiting acquire says in <c>STATUS=</c> (what <c>systemctl status</c> shows): since
    /// when this host waits (UTC) and who holds the lock, over its own connection or the daemon's.
    /// </summary>
    public static string WaitingStatus(DateTime sinceUtc, Holder? holder) =>
        $"waiting since {sinceUtc.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)} for the lock, held by {holder}";

    /// <summary>What a unit says between taking the lock (ExecStartPre) and its holder's READY=1.</summary>
    public static string AcquiredStatus(AcquireResult result) =>
        result.Status == AcquireStatus.Free ? "no live peer owns the lock; mapping exclusively" : "lock taken; mapping";

    public void Send(string message)
    {
        if (_socket is not null)
        {
            Send(Encoding.UTF8.GetBytes(message));
        }
    }

    private void Send(byte[] datagram)
    {
        try
        {
            _socket?.Send(datagram);
        }
        catch (SocketException)
        {
            // Like sd_notify(3): a manager that stopped listening is not the holder's failure;
            // the guard must go on guarding (and the missing pings let the watchdog act).
        }
    }

    public void Dispose() => _socket?.Dispose();
}
