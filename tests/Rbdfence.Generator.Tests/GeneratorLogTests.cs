using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Xunit;

namespace Rbdfence.Generator.Tests;

public class GeneratorLogTests
{
    [Fact]
    public void Kernel_log_records_have_priority_tag_and_pid_one_write_each()
    {
        var kmsg = new RecordingStream();
        using (GeneratorLog log = GeneratorLog.ToKernelLog(kmsg))
        {
            log.Error("/etc/ceph/rbdfencetab:3: bad\nExecStart=x, ignoring");
            log.Warn("careful");
            log.Debugging("not shown without SYSTEMD_LOG_LEVEL=debug");
            Assert.Equal(1, log.Errors);
        }

        string pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(
            [
                $"<3>rbdfence-generator[{pid}]: /etc/ceph/rbdfencetab:3: bad\\x0aExecStart=x, ignoring\n",
                $"<4>rbdfence-generator[{pid}]: careful\n",
            ],
            kmsg.Records);
    }

    [Fact]
    public void Console_lines_name_the_tool()
    {
        var text = new StringWriter { NewLine = "\n" };
        using (GeneratorLog log = GeneratorLog.To(text, debug: true))
        {
            log.Error("broken");
            log.Debugging("detail");
        }

        Assert.Equal("rbdfence-generator: broken\nrbdfence-generator: detail\n", text.ToString());
    }

    /// <summary>Keeps each Write call as one record, as /dev/kmsg does.</summary>
    private sealed class RecordingStream : Stream
    {
        public List<string> Records { get; } = [];

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Records.Add(Encoding.UTF8.GetString(buffer, offset, count));

        public override void Write(ReadOnlySpan<byte> buffer) => Records.Add(Encoding.UTF8.GetString(buffer));
    }
}
