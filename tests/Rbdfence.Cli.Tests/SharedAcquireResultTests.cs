using System;
using Rbdfence.Fencing;
using Rbdfence.Holding.SharedConnection;
using Rbdfence.Volumes;
using Xunit;

namespace Rbdfence.Cli.Tests;

/// <summary>
/// An acquire done by the host's daemon reaches <c>rbdfence acquire --connection shared</c> as
/// protocol fields: what it prints (who holds the lock, since when, live or not, whom it
/// fenced) must be what an acquire over its own connection prints.
/// </summary>
public sealed class SharedAcquireResultTests
{
    [Fact]
    public void A_contended_result_keeps_its_holder_record_reason_and_cookie_through_the_protocol()
    {
        var since = DateTimeOffset.FromUnixTimeSeconds(1_790_000_000);
        var record = new HolderRecord("rbdfence:m:b:1790000000:host-a", "client.4211", "host-a", "m", "b", since, ["client.4211", "client.4305"]);
        var holder = new Holder("client.4211", record.Cookie, "10.77.1.11:0/123", HolderCookie.Parse(record.Cookie), Live: true) { Record = record };
        var sent = new AcquireResult(AcquireStatus.Contended, LockMode.Advisory, holder, null) { Reason = "a client on the holder's host watches the image" };

        byte[] wire = SharedProtocol.Encode(SharedProtocol.Acquired, SharedAcquireResult.Fields(sent, "rbdfence:mine"));
        string[] message = SharedProtocol.Decode(System.Text.Encoding.UTF8.GetString(wire).TrimEnd('\n'));

        Assert.True(SharedAcquireResult.TryParse(message.AsSpan(1), out AcquireResult? got, out string cookie));
        Assert.Equal("rbdfence:mine", cookie);
        Assert.Equal(sent.Status, got!.Status);
        Assert.Equal(sent.Mode, got.Mode);
        Assert.Equal(sent.Reason, got.Reason);
        Assert.False(got.MayMap);
        Assert.Equal(holder.ToString(), got.Holder!.ToString());
        Assert.Equal(record.Clients, got.Holder.Record!.Clients);
    }

    [Fact]
    public void A_result_without_holder_says_whom_it_fenced_and_a_malformed_answer_is_refused()
    {
        var sent = new AcquireResult(AcquireStatus.Acquired, LockMode.Managed, null, "client.77 at 10.77.1.12:0/9");
        string[] fields = SharedAcquireResult.Fields(sent, "c");

        Assert.True(SharedAcquireResult.TryParse(fields, out AcquireResult? got, out _));
        Assert.Null(got!.Holder);
        Assert.Equal(sent.Fenced, got.Fenced);
        Assert.True(got.MayMap);
        Assert.False(SharedAcquireResult.TryParse(fields.AsSpan(0, 5), out _, out _));
        fields[0] = "Stolen";
        Assert.False(SharedAcquireResult.TryParse(fields, out _, out _));
    }
}
