using System;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;

namespace Rbdfence.Faults;

/// <summary>
/// <c>Rbdfence.Faults.Writer --file F --host NAME --log L [--interval-ms N]</c>: appends
/// <see cref="FaultRecord"/>s to F (on the fenced file system), fsyncs each, and only then
/// appends <c>ACK seq wall-ns crc ack-ns</c> to L (on the host, outside the volume). Runs
/// until SIGTERM (<c>STOP</c>, exit 0) or until a write or fsync fails (<c>FAIL seq
/// error</c>, exit 3): a writer on a fenced host must see its writes fail, and says when.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        string? file = null, host = null, log = null;
        int intervalMs = 20;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--file": file = args[i + 1]; break;
                case "--host": host = args[i + 1]; break;
                case "--log": log = args[i + 1]; break;
                case "--interval-ms": intervalMs = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default: return Usage($"unknown option {args[i]}");
            }
        }

        if (file is null || host is null || log is null || args.Length % 2 != 0)
        {
            return Usage("--file, --host and --log are required");
        }

        using var stop = new CancellationTokenSource();
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });

        // The log is written line by line and flushed, so that whatever kills this process
        // (SIGKILL, a frozen host) leaves every acknowledgement it made readable.
        using var acks = new StreamWriter(new FileStream(log, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        acks.WriteLine(string.Create(CultureInfo.InvariantCulture, $"START {host} {Environment.ProcessId} {NowNs()}"));
        long seq = 0;
        try
        {
            using var data = new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            while (!stop.IsCancellationRequested)
            {
                seq++;
                var record = new FaultRecord(host, seq, NowNs(), FaultRecord.PayloadFor(host, seq));
                byte[] bytes = record.Encode(out uint crc);
                data.Write(bytes);
                Fsync.Of(data.SafeFileHandle); // acknowledged means on the image
                acks.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ACK {seq} {record.WallNs} {crc:x8} {NowNs()}"));
                stop.Token.WaitHandle.WaitOne(intervalMs);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            acks.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FAIL {seq} {NowNs()} {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}"));
            return 3;
        }

        acks.WriteLine(string.Create(CultureInfo.InvariantCulture, $"STOP {seq} {NowNs()}"));
        return 0;
    }

    private static long NowNs() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;

    private static int Usage(string why)
    {
        Console.Error.WriteLine($"Rbdfence.Faults.Writer: {why}; usage: --file F --host NAME --log L [--interval-ms N]");
        return 64;
    }
}
