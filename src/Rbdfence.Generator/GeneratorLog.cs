using System;
using System.Globalization;
using System.IO;
using System.Text;
using Rbdfence.Table;
using Rbdfence.Volumes;

namespace Rbdfence.Generator;

/// <summary>
/// Where the generator's messages go. systemd runs generators at boot before the journal
/// is up, so, as its own generators do, messages go to the kernel log (<c>/dev/kmsg</c>,
/// <c>&lt;3&gt;rbdfence-generator[pid]: …</c>) when stderr is not a terminal and the kernel
/// log can be opened; otherwise (an operator running it by hand) to stderr.
/// <c>SYSTEMD_LOG_TARGET=console|kmsg|auto</c> and <c>SYSTEMD_LOG_LEVEL=debug</c> are honoured.
/// </summary>
public sealed class GeneratorLog : IDisposable
{
    private const string Tag = "rbdfence-generator";
    private const int Err = 3;
    private const int Warning = 4;
    private const int Debug = 7;

    private readonly Stream? kmsg;
    private readonly TextWriter? writer;
    private readonly bool debug;
    private readonly string prefix;

    private GeneratorLog(Stream? kmsg, TextWriter? writer, bool debug)
    {
        this.kmsg = kmsg;
        this.writer = writer;
        this.debug = debug;
        prefix = kmsg is null
            ? Tag + ": "
            : string.Create(CultureInfo.InvariantCulture, $"{Tag}[{Environment.ProcessId}]: ");
    }

    /// <summary>Number of errors logged (bad lines, duplicates, write failures).</summary>
    public int Errors { get; private set; }

    /// <summary>The log a generator run by systemd (or by hand) should use.</summary>
    public static GeneratorLog Open()
    {
        string target = Environment.GetEnvironmentVariable("SYSTEMD_LOG_TARGET") ?? "auto";
        bool debug = string.Equals(Environment.GetEnvironmentVariable("SYSTEMD_LOG_LEVEL"), "debug", StringComparison.Ordinal);
        bool wantKmsg = target switch
        {
            "kmsg" or "journal-or-kmsg" or "syslog-or-kmsg" => true,
            "console" or "null" => false,
            _ => Console.IsErrorRedirected,
        };

        if (wantKmsg)
        {
            try
            {
                var kmsg = new FileStream("/dev/kmsg", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
                return new GeneratorLog(kmsg, null, debug);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // No kernel log (a container, an unprivileged run): stderr it is.
            }
        }

        return new GeneratorLog(null, target == "null" ? TextWriter.Null : Console.Error, debug);
    }

    /// <summary>A log that writes plain lines to <paramref name="to"/> (tests).</summary>
    public static GeneratorLog To(TextWriter to, bool debug = false) => new(null, to, debug);

    /// <summary>A log that writes kernel-log records to <paramref name="kmsg"/>, one write each (tests).</summary>
    public static GeneratorLog ToKernelLog(Stream kmsg, bool debug = false) => new(kmsg, null, debug);

    public void Error(string message)
    {
        Errors++;
        Write(Err, message);
    }

    public void Warn(string message) => Write(Warning, message);

    public void Debugging(string message)
    {
        if (debug)
        {
            Write(Debug, message);
        }
    }

    public void Dispose() => kmsg?.Dispose();

    private void Write(int priority, string message)
    {
        // One record, one line: whatever a table line smuggled in stays printable.
        string text = Printable.Quote(message);
        if (kmsg is not null)
        {
            try
            {
                kmsg.Write(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"<{priority}>{prefix}{text}\n")));
                return;
            }
            catch (IOException)
            {
                // Fall through to stderr rather than lose the message.
            }
        }

        (writer ?? Console.Error).WriteLine(prefix + text);
    }
}
