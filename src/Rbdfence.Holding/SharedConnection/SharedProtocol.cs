using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Sockets;
using System.Text;
using Rbdfence.Fencing.Ceph;

namespace Rbdfence.Holding.SharedConnection;

/// <summary>
/// The messages between a volume's unit process and the host's shared connection: one line
/// each, a verb and its fields separated by NUL. The unit process asks once (<see cref="Hold"/>);
/// then the daemon drives it: attach the data path, pass on systemd notifications, detach
/// or kill, exit with a code. Before that, the unit's ExecStartPre may ask for the lock
/// (<see cref="Acquire"/>): the daemon waits for it as asked, saying for whom it waits
/// (<see cref="Status"/>), and answers with the outcome. See docs/DESIGN.md, "One cluster connection per host".
/// </summary>
public static class SharedProtocol
{
    /// <summary>The socket's file name in the state directory.</summary>
    public const string SocketName = "rbdfenced.sock";

    // Unit process → daemon.
    public const string Hold = "hold";
    /// <summary>Take the lock, waiting as asked (the unit's ExecStartPre); answered by <see cref="Acquired"/> or <see cref="Exit"/>.</summary>
    public const string Acquire = "acquire";
    public const string Attached = "attached";
    public const string Failed = "failed";
    public const string LetGo = "let-go";
    public const string Detached = "detached";
    public const string Killed = "killed";
    public const string Stop = "stop";

    // Daemon → unit process.
    public const string Attach = "attach";
    public const string Detach = "detach";
    public const string Kill = "kill";
    public const string Status = "status";
    public const string Ready = "ready";
    public const string Watchdog = "watchdog";
    public const string Alive = "alive";
    public const string Exit = "exit";
    /// <summary>An acquire's outcome (<see cref="SharedAcquireResult"/>); the session ends with it.</summary>
    public const string Acquired = "acquired";

    /// <summary>
    /// The cluster client a shared volume is held with, as the daemon keys its connections:
    /// the conf defaults to <c>$CEPH_CONF</c> and paths are made absolute, so that a volume's
    /// request and the daemon's connection made ahead from the table name the same client.
    /// </summary>
    public static CephClientOptions Client(string id, string? keyring, string? conf, TimeSpan connectTimeout) => new()
    {
        Id = id,
        Keyring = keyring is null ? null : Path.GetFullPath(keyring),
        Conf = (conf ?? Environment.GetEnvironmentVariable("CEPH_CONF")) is { } path ? Path.GetFullPath(path) : null,
        ConnectTimeout = connectTimeout,
    };

    /// <summary>
    /// A unit process's connection to the daemon at <paramref name="socketPath"/>; null, with
    /// the one line to print (exit 69), when no daemon listens there.
    /// </summary>
    public static Socket? Connect(string socketPath, out string? notRunning)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            notRunning = null;
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            notRunning = $"the host's shared connection is not running (rbdfence daemon, {socketPath}: {e.SocketErrorCode}); start rbdfenced.service";
            return null;
        }
    }

    /// <summary>The socket of the state directory <paramref name="stateDirectory"/>.</summary>
    public static string SocketPath(string stateDirectory) => Path.Combine(stateDirectory, SocketName);

    /// <summary>One message as bytes; a field's newline or NUL becomes a space (they are status text).</summary>
    public static byte[] Encode(string verb, params ReadOnlySpan<string> fields)
    {
        var line = new StringBuilder(verb);
        foreach (string field in fields)
        {
            line.Append('\0').Append(field.Replace('\n', ' ').Replace('\0', ' '));
        }

        return Encoding.UTF8.GetBytes(line.Append('\n').ToString());
    }

    /// <summary>A line as its verb and fields (the verb first).</summary>
    public static string[] Decode(string line) => line.Split('\0');

    /// <summary>The request's options as <c>key=value</c> fields.</summary>
    public static string[] Options(IEnumerable<KeyValuePair<string, string?>> options)
    {
        var fields = new List<string>();
        foreach ((string key, string? value) in options)
        {
            if (value is null)
            {
                continue;
            }

            if (value.Contains('\n', StringComparison.Ordinal) || value.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"{key}: a newline or NUL cannot be passed to the shared connection");
            }

            fields.Add(key + "=" + value);
        }

        return [.. fields];
    }

    /// <summary>The <c>key=value</c> fields of a request from index 2 on (after the verb and the spec).</summary>
    public static Dictionary<string, string> ParseOptions(string[] message)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 2; i < message.Length; i++)
        {
            int eq = message[i].IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                options[message[i][..eq]] = message[i][(eq + 1)..];
            }
        }

        return options;
    }
}
