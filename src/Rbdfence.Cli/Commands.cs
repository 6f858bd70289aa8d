using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Rbdfence.Fencing;
using Rbdfence.Fencing.Ceph;
using Rbdfence.Holding;
using Rbdfence.Interop;
using Rbdfence.Linux;
using Rbdfence.Mapping;
using Rbdfence.Volumes;

namespace Rbdfence.Cli;

/// <summary>The verbs, their options and one line of help each (like Ceph's <c>rbd lock</c> verbs).</summary>
internal static class Commands
{
    private static readonly Argument<string> Spec = new("spec")
    {
        Description = "The volume: pool[/namespace]/image",
    };

    private static readonly Option<string> Id = new("--id")
    {
        Description = "Ceph user to connect as, without 'client.' (default: admin, or what CEPH_ARGS says); use one with the caps in SECURITY.md",
        DefaultValueFactory = _ => "admin",
        CustomParser = OptionValues.ParseCephId,
    };

    private static readonly Option<string?> Keyring = new("--keyring")
    {
        Description = "Keyring file (default: what the conf says); refused (77) unless owned by root or this user and writable by no one else",
    };

    private static readonly Option<string?> Conf = new("--conf", "-c") { Description = "ceph.conf path (default: $CEPH_CONF, then /etc/ceph/ceph.conf)" };

    private static readonly Option<double> ConnectTimeout = new("--connect-timeout")
    {
        Description = "Seconds to wait for the cluster before exiting 69 (unreachable); 1 to 3600",
        DefaultValueFactory = _ => 10,
        CustomParser = OptionValues.Seconds(OptionValues.ConnectTimeout),
    };

    private static readonly Option<bool> Json = new("--json") { Description = "Print the result as one JSON object" };

    private static readonly Option<LockMode> Mode = new("--mode")
    {
        Description = "auto (from the image's exclusive-lock feature), advisory or managed",
        DefaultValueFactory = _ => LockMode.Auto,
    };

    private static readonly Option<double> Grace = new("--grace")
    {
        Description = "Seconds a holder may go without a watch on the image before it is stale and fenced; 1 to 86400",
        DefaultValueFactory = _ => OptionValues.DefaultGrace,
        CustomParser = OptionValues.Seconds(OptionValues.Grace),
    };

    private static readonly Option<bool> KubeletCookie = new("--kubelet-cookie")
    {
        Description = "Lock with the Kubernetes in-tree plugin's cookie (kubelet_lock_magic_<host>), for mixed fleets",
    };

    private static readonly Option<TimeSpan?> Wait = new("--wait")
    {
        Description = "Wait for the holder to let go, at most SECONDS (0 to 1000000; no value or `infinity`: forever)",
        Arity = ArgumentArity.ZeroOrOne,
        CustomParser = OptionValues.ParseWait,
    };

    private static readonly Option<string> Backend = new("--backend")
    {
        Description = "How to map the image: krbd (kernel, the default), nbd (rbd-nbd) or fuse (rbd-fuse + loop, advisory mode only)",
        DefaultValueFactory = _ => "krbd",
    };

    private static readonly Option<string> Connection = new Option<string>("--connection")
    {
        Description = "own: this process connects to the cluster and takes or holds the lock; shared: the host's rbdfence daemon takes and " +
            "holds it over its one connection, and this process connects to nothing (hold only maps) (default: $RBDFENCE_CONNECTION, else own)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("RBDFENCE_CONNECTION") is { Length: > 0 } connection ? connection : "own",
    }.AcceptOnlyFromAmong("own", "shared");

    private static readonly Option<double> Interval = CheckedInterval(new("--interval")
    {
        Description = "Seconds between the holder's checks that the lock is still ours and we are not fenced (and watchdog pings); " +
            "0.1 to 60, at most half of --grace and of the unit's WatchdogSec (default 5, or less to fit them)",
        DefaultValueFactory = OptionValues.DefaultIntervalFrom(Grace),
        CustomParser = OptionValues.Seconds(OptionValues.Interval),
    });

    private static readonly Option<double> BlocklistExpiry = new("--blocklist-expiry")
    {
        Description = "Whole seconds a fenced holder stays blocklisted (ceph osd blocklist add ... SECONDS); 1 to 31536000",
        DefaultValueFactory = _ => OptionValues.DefaultBlocklistExpiry,
        CustomParser = OptionValues.Seconds(OptionValues.BlocklistExpiry),
    };

    // The unit template passes these through the environment its generated drop-in sets.
    private static readonly Option<string?> DeviceLink = new("--device-link")
    {
        Description = "Symlink to the mapped device, for the mount unit (default: $RBDFENCE_DEVICE, as the generated units set it)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("RBDFENCE_DEVICE") is { Length: > 0 } link ? link : null,
    };

    private static readonly Option<string?> MountPoint = new("--mount-point")
    {
        Description = "Seal this mount point while the volume is not mounted on it (immutable, so nothing lands on the root disk " +
            "beneath it), before waiting (default: $RBDFENCE_MOUNT_POINT, as the generated units set it)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("RBDFENCE_MOUNT_POINT") is { Length: > 0 } path ? path : null,
    };

    private static readonly Option<bool> ReadOnly = new("--read-only")
    {
        Description = "Map the device read-only (default: yes when $RBDFENCE_READ_ONLY is yes)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("RBDFENCE_READ_ONLY") == "yes",
    };

    public static RootCommand Build()
    {
        var root = new RootCommand(
            "rbdfence: mount a Ceph RBD volume read-write only while this host holds its exclusive lock.\n" +
            ExitCodeHelp());

        root.Subcommands.Add(Verb("acquire", "Take the volume's exclusive lock for this host, fencing a stale holder first", AcquireWithoutConnecting, Acquire, [Mode, Grace, KubeletCookie, Wait, BlocklistExpiry, MountPoint, Connection]));
        root.Subcommands.Add(Verb("release", "Release this host's lock and wake the hosts waiting for it", ReleaseWithoutCluster, Release, [Mode, KubeletCookie]));
        root.Subcommands.Add(Verb("status", "Show who holds the volume, since when, live or stale, and who watches it", Status, Mode, Grace));
        root.Subcommands.Add(Verb("hold", "Hold the lock and serve the volume as a block device until stopped (the systemd service's main process)", HoldWithoutConnecting, Hold, [Mode, Grace, KubeletCookie, Backend, Interval, DeviceLink, ReadOnly, BlocklistExpiry, Connection]));
        root.Subcommands.Add(Verb("map", "Take the lock (as acquire, without waiting) and map the volume to a block device; prints the device", Map, Mode, Grace, KubeletCookie, Backend, DeviceLink, ReadOnly, BlocklistExpiry));
        root.Subcommands.Add(Verb("unmap", "Unmap this host's device of the volume; the lock stays until 'rbdfence release'", Unmap, Mode, Backend, DeviceLink));
        root.Subcommands.Add(VolumeList.Build(ConnectTimeout, Json));
        root.Subcommands.Add(SharedDaemon.Build());
        root.Subcommands.Add(Verb("break", "Fence the holder (blocklist it) and break its lock, live or not: the operator's override", Break, Mode, BlocklistExpiry));
        return root;
    }

    private static Command Verb(string name, string description, Func<ParseResult, Invocation, CancellationToken, Task<int>> run, params Option[] extra) =>
        Verb(name, description, null, run, extra);

    /// <param name="beforeConnecting">Answers without the cluster when it can (non-null), else the verb connects and runs.</param>
    private static Command Verb(
        string name,
        string description,
        Func<ParseResult, VolumeSpec, Output, CancellationToken, Task<int?>>? beforeConnecting,
        Func<ParseResult, Invocation, CancellationToken, Task<int>> run,
        Option[] extra)
    {
        var command = new Command(name, description) { Spec };
        foreach (Option option in (Option[])[Id, Keyring, Conf, ConnectTimeout, Json, .. extra])
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancel) =>
        {
            long verbStartedAt = Stopwatch.GetTimestamp();
            DateTime verbStartedUtc = DateTime.UtcNow;
            bool json = parse.GetValue(Json);
            var output = new Output(json);
            if (!VolumeSpec.TryParse(parse.GetValue(Spec), out VolumeSpec? spec, out string? error))
            {
                return output.Fail(ExitCodes.Usage, error);
            }

            try
            {
                var options = new CephClientOptions
                {
                    Id = parse.GetValue(Id)!,
                    Keyring = parse.GetValue(Keyring),
                    Conf = parse.GetValue(Conf),
                    ConnectTimeout = TimeSpan.FromSeconds(parse.GetValue(ConnectTimeout)),
                };
                RadosCluster.CheckFilesExist(options); // a mistyped path is an error even when the cluster is not needed
                if (command.Options.Contains(MountPoint) && parse.GetValue(MountPoint) is { } mountPoint &&
                    MountPointSeal.Seal(mountPoint) is { } notSealed)
                {
                    // Sealed before the wait (for the cluster, then the lock), which is when the
                    // mount point is most likely to be written. Never a reason not to mount.
                    output.Warn(notSealed);
                }

                if (beforeConnecting is not null && await beforeConnecting(parse, spec, output, cancel).ConfigureAwait(false) is { } answered)
                {
                    return answered;
                }

                var fence = new FenceOptions
                {
                    Mode = parse.GetValue(Mode),
                    Grace = TimeSpan.FromSeconds(parse.GetValue(Grace)),
                    KubeletCookie = parse.GetValue(KubeletCookie),
                    BlocklistExpiry = OptionValues.BlocklistExpiryOf(parse, BlocklistExpiry),
                };
                long connecting = Stopwatch.GetTimestamp();
                // A verb that may wait for the lock (acquire --wait) also waits for the cluster:
                // at boot the network or the mons may come up after this unit starts.
                TimeSpan reachWithin = command.Options.Contains(Wait) ? WaitFor(parse) : TimeSpan.Zero;
                using RadosCluster cluster = await ConnectAsync(options, reachWithin, output, cancel).ConfigureAwait(false);
                long connected = Stopwatch.GetTimestamp();
                using FencedVolume volume = FencedVolume.Open(cluster, spec, HostIdentity.FromSystem(), fence);
                long opened = Stopwatch.GetTimestamp();
                var stamps = new Stamps(verbStartedUtc, verbStartedAt, connecting, connected, opened);
                return await run(parse, new Invocation(volume, output, stamps), cancel).ConfigureAwait(false);
            }
            catch (CephException e)
            {
                return output.Fail(ExitCodes.ForErrno(e.Errno), $"{e.Operation}: {CephErrorText.Describe(e.Errno)}");
            }
            catch (System.IO.FileNotFoundException e)
            {
                return output.Fail(ExitCodes.Usage, e.Message);
            }
            catch (UnsafeCombinationException e)
            {
                return output.Fail(ExitCodes.Unsafe, e.Message);
            }
            catch (MapException e)
            {
                return output.Fail(ExitCodes.Failure, e.Message);
            }
            catch (InvalidOperationException e)
            {
                return output.Fail(ExitCodes.Failure, e.Message);
            }
            catch (UnauthorizedAccessException e)
            {
                // A keyring or conf refused for its owner or mode (SecretFiles), or a file we may not open.
                return output.Fail(ExitCodes.PermissionDenied, e.Message);
            }
            catch (ArgumentException e)
            {
                // A name no map backend can pass on (MapRequestChecks.ValidateVolume): refused before anything is taken.
                return output.Fail(ExitCodes.Usage, OptionValues.MessageOf(e));
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                // SIGTERM or Ctrl-C, e.g. systemd stopping a unit whose acquire still waits: a
                // stop, said as one, not as an unexpected exception.
                return output.Fail(ExitCodes.Failure, $"{spec}: stopped by a signal before '{command.Name}' finished");
            }
        });
        return command;
    }

    private static async Task<int> Acquire(ParseResult parse, Invocation it, CancellationToken cancel)
    {
        TimeSpan wait = WaitFor(parse);
        // What `systemctl status` shows while the unit is activating: who holds the lock and
        // since when this host waits (the template's NotifyAccess=exec lets this ExecStartPre say it).
        using var systemd = new SdNotify();
        DateTime waitingSince = DateTime.UtcNow;
        AcquireResult result = await it.Volume.AcquireAsync(wait, contended =>
            {
                it.Output.Progress($"{it.Volume.Spec} is held by {contended.Holder}; waiting{(wait == Timeout.InfiniteTimeSpan ? string.Empty : $" up to {wait.TotalSeconds:0}s")}");
                systemd.NotifyStatus(SdNotify.WaitingStatus(waitingSince, contended.Holder));
            },
            cancel).ConfigureAwait(false);
        if (result.MayMap)
        {
            systemd.NotifyStatus(SdNotify.AcquiredStatus(result));
        }

        it.Volume.SaveLease();
        return it.Output.Acquired(it.Volume, result);
    }

    private static Task<int> Hold(ParseResult parse, Invocation it, CancellationToken cancel)
    {
        MappedDataPath dataPath = MappedDataPath.For(parse.GetValue(Backend)!, it.Volume, parse.GetValue(Id)!, parse.GetValue(Keyring), parse.GetValue(Conf), parse.GetValue(ReadOnly), it.Output.MapLog);
        var options = new HoldOptions
        {
            CheckInterval = TimeSpan.FromSeconds(parse.GetValue(Interval)),
            DeviceLink = parse.GetValue(DeviceLink),
        };
        return HolderHost.RunAsync(it.Volume, dataPath, options, it.Stamps.ToStartupTimings(), cancel);
    }

    /// <summary>
    /// <c>hold --connection shared</c>: the host's daemon holds the lock over its one cluster
    /// connection; this process connects to nothing, only maps (see SharedHoldClient). Null:
    /// own connection, the verb connects and holds as usual.
    /// </summary>
    private static Task<int?> HoldWithoutConnecting(ParseResult parse, VolumeSpec spec, Output output, CancellationToken cancel)
    {
        string connection = parse.GetValue(Connection)!;
        if (connection == "own")
        {
            return Task.FromResult<int?>(null);
        }

        if (connection != "shared")
        {
            return Task.FromResult<int?>(output.Fail(ExitCodes.Usage, $"--connection '{Printable.Quote(connection, 40)}' is not own or shared"));
        }

        string backend = parse.GetValue(Backend)!;
        string id = parse.GetValue(Id)!;
        string? keyring = parse.GetValue(Keyring);
        string? conf = parse.GetValue(Conf);
        bool readOnly = parse.GetValue(ReadOnly);
        LockMode mode = parse.GetValue(Mode);
        IDataPath DataPathFor(LockMode resolved) => MappedDataPath.For(backend, spec, resolved, id, keyring, conf, readOnly, output.MapLog);

        // The backend's own checks before anything is asked of the daemon, as a holder of its own does.
        _ = DataPathFor(mode == LockMode.Managed ? LockMode.Managed : LockMode.Advisory);
        string[] request = SharedRequest(parse,
        [
            new("interval", parse.GetValue(Interval).ToString(CultureInfo.InvariantCulture)),
            new("device-link", parse.GetValue(DeviceLink)),
        ]);
        string socket = Holding.SharedConnection.SharedProtocol.SocketPath(Lease.StateDirectory);
        TimeSpan interval = TimeSpan.FromSeconds(parse.GetValue(Interval));
        return Task.FromResult<int?>(Holding.SharedConnection.SharedHoldClient.Run(socket, spec, request, DataPathFor, parse.GetValue(DeviceLink), interval, cancel));
    }

    /// <summary>
    /// <c>acquire --connection shared</c> (the unit's ExecStartPre of a shared volume): the
    /// host's daemon takes the lock, and waits for it, over its one cluster connection; this
    /// process connects to nothing. Null: own connection, the verb connects as usual.
    /// </summary>
    private static Task<int?> AcquireWithoutConnecting(ParseResult parse, VolumeSpec spec, Output output, CancellationToken cancel)
    {
        if (parse.GetValue(Connection) != "shared")
        {
            return Task.FromResult<int?>(null);
        }

        TimeSpan wait = WaitFor(parse);
        string[] request = SharedRequest(parse,
            [new("wait", (wait == Timeout.InfiniteTimeSpan ? -1 : wait.TotalSeconds).ToString(CultureInfo.InvariantCulture))]);
        string socket = Holding.SharedConnection.SharedProtocol.SocketPath(Lease.StateDirectory);
        Holding.SharedConnection.SharedAcquireClient.Answer answer = Holding.SharedConnection.SharedAcquireClient.Run(socket, spec, request, output.Progress, cancel);
        return Task.FromResult<int?>(answer.Result is { } result
            ? output.Acquired(spec, HostIdentity.FromSystem().HostName, result.Mode, answer.Cookie, OptionValues.BlocklistExpiryOf(parse, BlocklistExpiry), result)
            : output.Fail(answer.ExitCode, answer.Message ?? $"{spec}: the shared connection failed"));
    }

    /// <summary>A request to the host's shared connection: the lock's and the client's options, then <paramref name="verbOptions"/>.</summary>
    private static string[] SharedRequest(ParseResult parse, KeyValuePair<string, string?>[] verbOptions)
    {
        CephClientOptions client = Holding.SharedConnection.SharedProtocol.Client(
            parse.GetValue(Id)!, parse.GetValue(Keyring), parse.GetValue(Conf), TimeSpan.FromSeconds(parse.GetValue(ConnectTimeout)));
        return Holding.SharedConnection.SharedProtocol.Options(
        [
            new("mode", OptionNames.Of(parse.GetValue(Mode))),
            new("grace", parse.GetValue(Grace).ToString(CultureInfo.InvariantCulture)),
            new("blocklist-expiry", OptionValues.BlocklistExpiryOf(parse, BlocklistExpiry).TotalSeconds.ToString(CultureInfo.InvariantCulture)),
            new("kubelet-cookie", parse.GetValue(KubeletCookie) ? "yes" : "no"),
            new("id", client.Id),
            new("keyring", client.Keyring),
            new("conf", client.Conf),
            new("connect-timeout", client.ConnectTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)),
            .. verbOptions,
        ]);
    }

    private static async Task<int> Map(ParseResult parse, Invocation it, CancellationToken cancel)
    {
        MappedDataPath dataPath = MappedDataPath.For(parse.GetValue(Backend)!, it.Volume, parse.GetValue(Id)!, parse.GetValue(Keyring), parse.GetValue(Conf), parse.GetValue(ReadOnly), it.Output.MapLog);
        // As acquire without --wait: a silent holder is still observed for its grace period.
        AcquireResult held = await it.Volume.AcquireAsync(TimeSpan.Zero, null, cancel).ConfigureAwait(false);
        if (!held.MayMap)
        {
            return it.Output.Acquired(it.Volume, held);
        }

        it.Volume.SaveLease();
        List<string> before = it.Volume.WatchKeys();
        string device = await dataPath.AttachAsync(cancel).ConfigureAwait(false);
        if (it.Volume.ProveHeld(before, TimeSpan.FromSeconds(3)) is null)
        {
            await dataPath.DetachAsync(released: null, cancel).ConfigureAwait(false);
            return it.Output.Fail(ExitCodes.Contended, $"{it.Volume.Spec}: the lock is not this host's after mapping; a peer took it; unmapped again");
        }

        if (parse.GetValue(DeviceLink) is { } link)
        {
            Holding.DeviceLink.Replace(link, device);
        }

        return it.Output.Mapped(it.Volume, device);
    }

    private static async Task<int> Unmap(ParseResult parse, Invocation it, CancellationToken cancel)
    {
        MappedDataPath dataPath = MappedDataPath.For(parse.GetValue(Backend)!, it.Volume, parse.GetValue(Id)!, parse.GetValue(Keyring), parse.GetValue(Conf), readOnly: false, it.Output.MapLog);
        string? device = await dataPath.DetachExistingAsync(cancel).ConfigureAwait(false);
        if (parse.GetValue(DeviceLink) is { } link)
        {
            Holding.DeviceLink.Remove(link, device);
        }

        return it.Output.Unmapped(it.Volume, device);
    }

    /// <summary>
    /// Never lets go while this host can still write the image: anything still serving it
    /// (a device of any backend, its process) keeps the lock, loudly, with exit 74.
    /// </summary>
    /// <summary>
    /// What release can answer from this host alone, before connecting (ExecStopPost runs it
    /// however the unit ended, the cluster perhaps unreachable): a device still serving the
    /// volume keeps the lock (74); no lease means this host holds nothing to let go. Null: connect.
    /// </summary>
    private static async Task<int?> ReleaseWithoutCluster(ParseResult parse, VolumeSpec spec, Output output, CancellationToken cancel)
    {
        if (await MappedDataPath.FindAnyAsync(spec, cancel).ConfigureAwait(false) is { } still)
        {
            return output.Kept(spec, still);
        }

        return Lease.Read(Lease.PathFor(Lease.StateDirectory, spec)) is null ? output.NotHeld(spec) : null;
    }

    private static Task<int> Release(ParseResult parse, Invocation it, CancellationToken cancel) =>
        Task.FromResult(it.Output.Released(it.Volume, it.Volume.Release(FencedVolume.ReleaseRetry)));

    private static Task<int> Status(ParseResult parse, Invocation it, CancellationToken cancel) =>
        Task.FromResult(it.Output.Status(it.Volume.Status()));

    private static Task<int> Break(ParseResult parse, Invocation it, CancellationToken cancel) =>
        Task.FromResult(it.Output.Broken(it.Volume, it.Volume.Break()));

    /// <summary>How long acquire waits: not at all without --wait, forever for a bare --wait.</summary>
    private static TimeSpan WaitFor(ParseResult parse)
    {
        // System.CommandLine does not call the custom parser for an option given without its
        // optional value, so a bare --wait has to be recognised here, by its missing token.
        OptionResult? given = parse.GetResult(Wait);
        if (given is null)
        {
            return TimeSpan.Zero;
        }

        return given.Tokens.Count == 0 ? Timeout.InfiniteTimeSpan : parse.GetValue(Wait) ?? TimeSpan.Zero;
    }

    private static Option<double> CheckedInterval(Option<double> interval)
    {
        interval.Validators.Add(OptionValues.IntervalWithin(Grace));
        return interval;
    }

    /// <summary>
    /// Connects, retrying an unreachable cluster (each attempt bounded by --connect-timeout)
    /// until <paramref name="within"/> has passed; any other failure, or none left, is final.
    /// </summary>
    private static async Task<RadosCluster> ConnectAsync(CephClientOptions options, TimeSpan within, Output output, CancellationToken cancel)
    {
        long started = Stopwatch.GetTimestamp();
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return RadosCluster.Connect(options);
            }
            catch (CephException e) when (ExitCodes.ForErrno(e.Errno) == ExitCodes.Unreachable &&
                (within == Timeout.InfiniteTimeSpan || within > Stopwatch.GetElapsedTime(started)))
            {
                bool forever = within == Timeout.InfiniteTimeSpan;
                TimeSpan left = forever ? TimeSpan.MaxValue : within - Stopwatch.GetElapsedTime(started);
                TimeSpan pause = TimeSpan.FromSeconds(Math.Min(5, attempt));
                output.Progress($"the cluster is unreachable ({CephErrorText.Describe(e.Errno)}); trying again in {pause.TotalSeconds:0} s" +
                    (forever ? string.Empty : $", for {left.TotalSeconds:0} s more"));
                await Task.Delay(pause < left ? pause : left, cancel).ConfigureAwait(false);
            }
        }
    }

    /// <summary>"Exit codes: 0 ok, 1 failure, …", wrapped for a terminal.</summary>
    private static string ExitCodeHelp()
    {
        var help = new System.Text.StringBuilder("Exit codes:");
        int lineStart = 0;
        for (int i = 0; i < ExitCodes.All.Length; i++)
        {
            (int code, string meaning) = ExitCodes.All[i];
            string item = string.Create(CultureInfo.InvariantCulture, $" {code} {meaning}") + (i == ExitCodes.All.Length - 1 ? "." : ",");
            if (help.Length - lineStart + item.Length > 100)
            {
                help.Append('\n');
                lineStart = help.Length;
                item = item.TrimStart();
            }

            help.Append(item);
        }

        return help.ToString();
    }

    private sealed record Invocation(FencedVolume Volume, Output Output, Stamps Stamps);

    /// <summary>Start-up stamps of the verb, for the holder's "ready in … ms" (only hold reads them).</summary>
    private sealed record Stamps(DateTime VerbStartedUtc, long VerbStartedAt, long Connecting, long Connected, long Opened)
    {
        public StartupTimings ToStartupTimings()
        {
            using var self = Process.GetCurrentProcess();
            TimeSpan runtime = VerbStartedUtc - self.StartTime.ToUniversalTime();
            return new StartupTimings(
                runtime < TimeSpan.Zero ? TimeSpan.Zero : runtime,
                VerbStartedAt,
                Stopwatch.GetElapsedTime(Connecting, Connected),
                Stopwatch.GetElapsedTime(Connected, Opened),
                Opened);
        }
    }
}
