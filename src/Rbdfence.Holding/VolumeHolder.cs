using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rbdfence.Fencing;
using Rbdfence.Fencing.Ceph;
using Rbdfence.Volumes;

namespace Rbdfence.Holding;

/// <summary>
/// The long-running process of a fenced volume: holds the lock, keeps the image open (its
/// watch is this host's liveness), maps it, and checks every few seconds that the lock is
/// still ours and we are not fenced. Start finishes only once the device exists and the
/// lock is verified, so the hosting's READY=1 means exactly that. On stop: unmap, unlock,
/// wake the waiters. On loss of the lock it stops serving at once and exits non-zero.
/// </summary>
public sealed partial class VolumeHolder(
    FencedVolume volume,
    IDataPath dataPath,
    HoldOptions options,
    StartupTimings timings,
    IHolderNotify notify,
    IHostApplicationLifetime lifetime,
    ILogger<VolumeHolder> log) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private RbdImage? _image;
    private HolderGuard? _guard;
    private string? _device;
    private Task _guardLoop = Task.CompletedTask;
    private bool _lost;

    /// <summary>The process exit code the holder asks for (0, or <see cref="ExitCodes.Fenced"/>).</summary>
    public int ExitCode { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        AcquireResult held = volume.TryAcquire();
        long locked = Stopwatch.GetTimestamp();
        if (!held.MayMap)
        {
            throw new HoldException(ExitCodes.Contended, $"{volume.Spec} is held by {held.Holder}; not mapping it");
        }

        if (held.Status == AcquireStatus.Acquired)
        {
            if (options.AcquiredBeforeHold)
            {
                // The unit's acquire took the lock, so a free lock means it was let go since:
                // the unit's process went away (killed, or gave up on a silent daemon) and
                // its ExecStopPost released, while this request was still on its way. Taking
                // it again would keep a lock that no lease names, for a unit that is gone,
                // until a peer fences this whole host. Nothing is mapped: give it back and
                // fail; a give-back that fails leaves a lease, for the unit's release.
                try
                {
                    volume.GiveBack(FencedVolume.ReleaseRetry);
                }
                catch (IOException)
                {
                    volume.SaveLease(); // a Ceph error: the lock may still be ours
                    throw;
                }

                throw new HoldException(ExitCodes.Failure, $"{volume.Spec}: the lock was let go between the acquire and the hold; not taking it again");
            }

            // The lock was free and this hold took it itself: record it as acquire does, so
            // that the unit's stop path (release when a lease exists) lets it go should this
            // process fail to map or die.
            volume.SaveLease();
        }

        // The data path's clients are the watches that appear on this host once it is
        // attached (keyed by watch cookie: a kernel client is shared between mappings).
        List<string> before = volume.WatchKeys();
        _image = volume.OpenForHolding();
        volume.WatchForWaiters();
        long opened = Stopwatch.GetTimestamp();
        _device = await dataPath.AttachAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            LinkDevice();
            Lease? lease = volume.ProveHeld(before, options.SettleTime);
            if (lease is null)
            {
                // Managed mode: a peer's exclusive map got there first. Never "mounted".
                throw new HoldException(ExitCodes.Contended, $"{volume.Spec}: the lock is not this host's after mapping; a peer took it");
            }

            _guard = volume.CreateGuard(lease);
            GuardVerdict verdict = _guard.Check();
            if (verdict != GuardVerdict.Held)
            {
                throw new HoldException(ExitCodes.Fenced, $"{volume.Spec}: the lock is not ours after mapping ({verdict})");
            }
        }
        catch (Exception first)
        {
            // The first error is the one to report; a failing cleanup is logged, not thrown.
            try
            {
                await DetachAsync().ConfigureAwait(false);
            }
            catch (Exception cleanup) when (cleanup is not OutOfMemoryException)
            {
                LogDetachFailed(volume.Spec.ToString(), cleanup.Message);
            }

            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
            throw;
        }

        long mapped = Stopwatch.GetTimestamp();
        // Open: the volume (CLI) and the image read-write with its watch; host: the hosting's build.
        string status = $"held by this host ({volume.Host.HostName}) since {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss}Z, {OptionNames.Of(volume.Mode)} mode, device {_device}; " +
            $"ready in {Ms(timings.Runtime + Stopwatch.GetElapsedTime(timings.VerbStartedAt, mapped))} ms: runtime {Ms(timings.Runtime)}, connect {Ms(timings.Connect)}, " +
            $"open {Ms(timings.Open + Stopwatch.GetElapsedTime(locked, opened))}, host {Ms(Stopwatch.GetElapsedTime(timings.OpenedAt, started))}, " +
            $"lock {Ms(Stopwatch.GetElapsedTime(started, locked))}, map {Ms(Stopwatch.GetElapsedTime(opened, mapped))}";
        notify.NotifyStatus(status);
        LogHolding(volume.Spec.ToString(), status);
        _guardLoop = GuardLoopAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _guardLoop.ConfigureAwait(false);
        if (_lost)
        {
            return; // already torn down; the lock is someone else's now
        }

        // Unmounting is systemd's (the mount unit stops first); then unmap, unlock, wake. If
        // the unmap fails (still mounted, busy) this throws and the lock stays: it is never
        // let go while this host can still write through the device. The release runs as
        // soon as the device is gone, not after udev has caught up with its removal: that
        // wait is this host's business, and under emulation it alone was most of a waiter's
        // wake-up time. The image (this host's liveness watch) closes after the release:
        // a lock that is gone needs no beacon, and its unwatch is one more round trip.
        bool released = false;
        await DetachAsync(() => released = volume.Release(FencedVolume.ReleaseRetry)).ConfigureAwait(false);
        _image?.Dispose();
        _image = null;
        LogReleased(volume.Spec.ToString(), released);
    }

    /// <summary>
    /// The volume's unit process is gone (killed) while this holder ran in the host's shared
    /// connection: stop guarding and close the image, but neither unmap nor release. Whatever
    /// that process left mapped is its unit's to clean up, and `rbdfence release` keeps the
    /// lock while anything of the volume still serves on this host.
    /// </summary>
    public async Task AbandonAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _guardLoop.ConfigureAwait(false);
        _image?.Dispose();
        _image = null;
    }

    public void Dispose()
    {
        _image?.Dispose();
        _stopping.Dispose();
    }

    private async Task GuardLoopAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(options.CheckInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                GuardVerdict verdict = _guard!.Check();
                switch (verdict)
                {
                    case GuardVerdict.Held:
                        notify.NotifyWatchdog();
                        break;
                    case GuardVerdict.Unknown:
                        // Not a verdict: without the watchdog ping systemd restarts us if it lasts.
                        LogCheckFailed(volume.Spec.ToString(), _guard.LastError);
                        break;
                    default:
                        await LoseAsync(verdict).ConfigureAwait(false);
                        return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A guard that cannot guard must not leave the device serving unguarded.
            LogGuardFailed(volume.Spec.ToString(), e.Message);
            await LoseAsync(GuardVerdict.Unknown).ConfigureAwait(false);
        }
    }

    /// <summary>The lock is gone or this host is fenced: stop serving writes now, loudly.</summary>
    private async Task LoseAsync(GuardVerdict verdict)
    {
        _lost = true;
        ExitCode = verdict == GuardVerdict.Unknown ? ExitCodes.Failure : ExitCodes.Fenced;
        string what = verdict switch
        {
            GuardVerdict.Fenced => $"{volume.Spec}: this host is blocklisted (fenced) by the cluster",
            GuardVerdict.Lost => $"{volume.Spec}: the lock was broken; another host may own the volume now",
            _ => $"{volume.Spec}: the lock can no longer be checked",
        };
        // Emergency priority for the journal (sd-daemon(3) prefix), whatever the log level.
        await Console.Error.WriteLineAsync($"<0>rbdfence: {what}; unmapping and exiting").ConfigureAwait(false);
        notify.NotifyStatus(what);
        LogLost(what);
        // The device must never write again, not even after the blocklist entry expires (a
        // resumed zombie's queued writes): detach its mounts lazily and force-unmap it, busy
        // or not; the file system on it sees I/O errors from now on.
        try
        {
            if (options.DeviceLink is { } link)
            {
                DeviceLink.Remove(link, _device);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await dataPath.KillAsync(timeout.Token).ConfigureAwait(false);
            _device = null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogDetachFailed(volume.Spec.ToString(), e.Message);
        }

        lifetime.StopApplication();
    }

    /// <summary>Unmaps; <paramref name="released"/> runs once the image is let go (at once when nothing is mapped).</summary>
    private async Task DetachAsync(Action? released = null)
    {
        if (options.DeviceLink is { } link)
        {
            DeviceLink.Remove(link, _device);
        }

        if (_device is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await dataPath.DetachAsync(released, timeout.Token).ConfigureAwait(false);
            _device = null;
        }
        else
        {
            released?.Invoke();
        }
    }

    private static long Ms(TimeSpan span) => (long)Math.Round(span.TotalMilliseconds);

    private void LinkDevice()
    {
        if (options.DeviceLink is not { } link)
        {
            return;
        }

        DeviceLink.Replace(link, _device!);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Volume}: {Status}")]
    private partial void LogHolding(string volume, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Volume}: unmapped; lock released: {Released}")]
    private partial void LogReleased(string volume, bool released);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Volume}: lock check failed (errno {Errno}); retrying")]
    private partial void LogCheckFailed(string volume, int errno);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Volume}: unmapping after the loss failed: {Reason}")]
    private partial void LogDetachFailed(string volume, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Volume}: the lock check itself failed: {Reason}; stopping the volume")]
    private partial void LogGuardFailed(string volume, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{What}")]
    private partial void LogLost(string what);
}

/// <summary>The holder could not start; <see cref="ExitCode"/> is what the process exits with.</summary>
public sealed class HoldException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
