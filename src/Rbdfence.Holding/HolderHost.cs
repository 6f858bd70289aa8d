using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Rbdfence.Fencing;

namespace Rbdfence.Holding;

/// <summary>Runs a <see cref="VolumeHolder"/> as a systemd <c>Type=notify</c> service.</summary>
public static class HolderHost
{
    /// <summary>Runs until SIGTERM (exit 0 after an orderly release) or until the lock is lost (exit 78).</summary>
    public static async Task<int> RunAsync(FencedVolume volume, IDataPath dataPath, HoldOptions options, StartupTimings timings, CancellationToken cancel)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        // systemd's lifetime whenever systemd is listening (NOTIFY_SOCKET), not only when our
        // parent is PID 1: READY=1 after start, STOPPING=1 on SIGTERM.
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NOTIFY_SOCKET")))
        {
            builder.Services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
            builder.Services.AddSingleton<IHostLifetime, SystemdLifetime>();
        }
        else
        {
            builder.Services.AddSingleton<IHostLifetime, ConsoleLifetime>();
        }

        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        // Journal-friendly: one line per message with the <N> priority prefix journald reads.
        builder.Logging.AddSystemdConsole(o => o.IncludeScopes = false);
        // The holder says when it is ready and when it lets go; the host's own
        // "Application started/is shutting down" lines only repeat systemd's.
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Services.AddSingleton(volume);
        builder.Services.AddSingleton(dataPath);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(timings);
        builder.Services.AddSingleton<IHolderNotify>(_ => new SdNotify());
        builder.Services.AddSingleton<VolumeHolder>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<VolumeHolder>());

        using IHost host = builder.Build();
        // RunAsync disposes the host: take the holder (and its exit code) out first.
        VolumeHolder holder = host.Services.GetRequiredService<VolumeHolder>();
        try
        {
            await host.RunAsync(cancel).ConfigureAwait(false);
        }
        catch (HoldException e)
        {
            await Console.Error.WriteLineAsync($"rbdfence: {e.Message}").ConfigureAwait(false);
            return e.ExitCode;
        }

        return holder.ExitCode;
    }
}
