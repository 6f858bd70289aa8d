using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Rbdfence.Fencing.ClusterTests;

/// <summary>
/// Stands in for systemd's notification socket: a unix datagram socket whose path goes into
/// the holder's NOTIFY_SOCKET. Records every message with when it arrived.
/// </summary>
public sealed class NotifyListener : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly List<(DateTime At, string Message)> _messages = [];
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly Task _receiving;

    public NotifyListener()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"rbdfence-notify-{Guid.NewGuid():N}.sock");
        _socket.Bind(new UnixDomainSocketEndPoint(Path));
        _receiving = Task.Run(ReceiveAsync);
    }

    public string Path { get; }

    /// <summary>Waits for a datagram containing the line <paramref name="line"/>; returns when it arrived.</summary>
    public async Task<DateTime> WaitForAsync(string line, TimeSpan timeout, int occurrence = 1)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            lock (_messages)
            {
                int seen = 0;
                foreach ((DateTime at, string message) in _messages)
                {
                    if (Array.IndexOf(message.Split('\n'), line) >= 0 && ++seen == occurrence)
                    {
                        return at;
                    }
                }
            }

            TimeSpan left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _arrived.WaitAsync(left))
            {
                throw new TimeoutException($"no '{line}' (#{occurrence}) on NOTIFY_SOCKET; got: {string.Join(" | ", Messages())}");
            }
        }
    }

    /// <summary>Waits for a <c>STATUS=</c> line containing <paramref name="text"/>; returns when it arrived.</summary>
    public async Task<DateTime> WaitForStatusAsync(string text, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            lock (_messages)
            {
                foreach ((DateTime at, string message) in _messages)
                {
                    if (message.StartsWith("STATUS=", StringComparison.Ordinal) && message.Contains(text, StringComparison.Ordinal))
                    {
                        return at;
                    }
                }
            }

            TimeSpan left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _arrived.WaitAsync(left))
            {
                throw new TimeoutException($"no STATUS= with '{text}' on NOTIFY_SOCKET; got: {string.Join(" | ", Messages())}");
            }
        }
    }

    public IReadOnlyList<string> Messages()
    {
        lock (_messages)
        {
            return _messages.ConvertAll(m => m.Message);
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        File.Delete(Path);
        _arrived.Dispose();
    }

    private async Task ReceiveAsync()
    {
        byte[] buffer = new byte[4096];
        try
        {
            while (true)
            {
                int n = await _socket.ReceiveAsync(buffer, SocketFlags.None);
                lock (_messages)
                {
                    _messages.Add((DateTime.UtcNow, Encoding.UTF8.GetString(buffer, 0, n)));
                }

                _arrived.Release();
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            // disposed
        }
    }
}
