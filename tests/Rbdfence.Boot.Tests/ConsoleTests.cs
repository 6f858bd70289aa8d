using System;
using System.IO;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;

namespace Rbdfence.Boot.Tests;

/// <summary>
/// A booted test host whose console fills up keeps working (issue 11). The container's
/// /dev/console is a pseudo-terminal: booted with <c>--console=passive</c> nobody read it, so
/// once 50 failing volumes had filled its buffer with status lines, the container's systemd
/// blocked writing to it for good and stopped answering.
/// </summary>
[Collection(BootCluster.Collection)]
public sealed class ConsoleTests(BootCluster cluster)
{
    [Fact]
    public async Task A_host_whose_console_gets_megabytes_keeps_answering_and_the_console_is_kept()
    {
        await using BootedHost host = await BootedHost.BootAsync(cluster, 5, string.Empty);
        // Booted first: systemd hangs the console up while it sets it up (a write then fails
        // with EIO), which is not what this is about.
        CommandResult booted = await host.SystemctlAsync("is-system-running", "--wait");
        Assert.False(booted.TimedOut, "the container did not finish booting");

        // 2 MiB, far past any terminal buffer, written as the container's systemd writes its
        // status lines. Unread, the write blocks and the command times out.
        CommandResult spam = await host.RunAsync("sh", "-c", "yes 'console line from the test' | head -c 2097152 > /dev/console && echo written");
        Assert.False(spam.TimedOut, "writing to the container's console blocked: nobody reads it");
        Assert.Equal("written", spam.EnsureSuccess().StdOut.Trim());

        // PID 1 still answers, and what went to the console is kept for a failure's report.
        CommandResult state = await host.SystemctlAsync("is-system-running");
        Assert.False(state.TimedOut, "the container's systemd stopped answering");
        Assert.Contains(state.StdOut.Trim(), new[] { "starting", "running", "degraded" });
        string console = Path.Join("/run/rbdfence-nspawn", host.Name, "console");
        Assert.True(new FileInfo(console).Length >= 2097152, $"the console was not kept in {console}");
    }
}
