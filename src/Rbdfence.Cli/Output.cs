using System;
using System.IO;
using System.Text.Json;
using Rbdfence.Fencing;
using Rbdfence.Mapping;
using Rbdfence.Volumes;

namespace Rbdfence.Cli;

/// <summary>
/// Everything the verbs print: a line for people, or one JSON object for scripts. Errors
/// are one line on stderr (<c>rbdfence: …</c>) in both forms; JSON adds them to the object.
/// </summary>
internal sealed partial class Output(bool json)
{
    public int Fail(int exitCode, string message)
    {
        Console.Error.WriteLine($"rbdfence: {message}");
        if (json)
        {
            Write(w =>
            {
                w.WriteString("result", "error");
                w.WriteNumber("exitCode", exitCode);
                w.WriteString("error", message);
            });
        }

        return exitCode;
    }

    public void Progress(string line)
    {
        Console.Error.WriteLine($"rbdfence: {line}");
    }

    /// <summary>Something the operator should fix that does not stop the verb: a warning in the journal.</summary>
    public void Warn(string line)
    {
        // <4> is the journal's "warning" priority for a line on a service's stderr (sd-daemon(3)).
        string priority = Environment.GetEnvironmentVariable("JOURNAL_STREAM") is { Length: > 0 } ? "<4>" : string.Empty;
        Console.Error.WriteLine($"{priority}rbdfence: warning: {line}");
    }

    /// <summary>The map backends' lines (their secrets already redacted), in the verb's journal.</summary>
    public void MapLog(MapLogLevel level, string message)
    {
        switch (level)
        {
            case MapLogLevel.Warning:
                Warn(message);
                break;
            case MapLogLevel.Information:
                Progress(message);
                break;
        }
    }

    public int Acquired(FencedVolume volume, AcquireResult result) =>
        Acquired(volume.Spec, volume.Host.HostName, volume.Mode, volume.Cookie, volume.Options.BlocklistExpiry, result);

    /// <summary>An acquire's outcome, also when the host's shared connection took the lock.</summary>
    public int Acquired(VolumeSpec spec, string hostName, LockMode mode, string cookie, TimeSpan blocklistExpiry, AcquireResult result)
    {
        int code = result.MayMap ? ExitCodes.Ok : ExitCodes.Contended;
        if (json)
        {
            Write(w =>
            {
                w.WriteString("result", result.Status.ToString().ToLowerInvariant());
                w.WriteNumber("at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                w.WriteString("volume", spec.ToString());
                w.WriteString("mode", OptionNames.Of(result.Mode));
                w.WriteString("cookie", cookie);
                w.WriteString("fenced", result.Fenced);
                if (result.Holder is { } h)
                {
                    w.WritePropertyName("holder");
                    WriteHolder(w, h);
                }
            });
            return code;
        }

        if (result.Fenced is { } fenced)
        {
            Console.WriteLine($"fenced {fenced} (blocklisted for {blocklistExpiry.TotalMinutes:0} min) and broke its stale lock");
        }

        switch (result.Status)
        {
            case AcquireStatus.Acquired:
                Console.WriteLine($"{spec}: locked by this host ({hostName}), {OptionNames.Of(mode)} mode");
                break;
            case AcquireStatus.AlreadyHeld:
                Console.WriteLine($"{spec}: already locked by this host ({hostName}) in this boot");
                break;
            case AcquireStatus.Free:
                Console.WriteLine($"{spec}: no live peer owns the managed lock; the exclusive map takes it");
                break;
            default:
                Console.Error.WriteLine($"rbdfence: {spec} is held by {result.Holder}{(result.Reason is { } why ? $" ({why})" : string.Empty)}; try again later or use --wait");
                break;
        }

        return code;
    }

    public int Released(FencedVolume volume, bool released)
    {
        if (!released)
        {
            return NotHeld(volume.Spec);
        }

        if (json)
        {
            Write(w =>
            {
                w.WriteString("result", "released");
                w.WriteNumber("at", (volume.ReleasedAt ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds());
                w.WriteString("volume", volume.Spec.ToString());
            });
        }
        else
        {
            Console.WriteLine($"{volume.Spec}: released; waiters woken");
        }

        return ExitCodes.Ok;
    }

    /// <summary>Nothing of this host's to let go (no lease, or no lock matching it); also said without asking the cluster.</summary>
    public int NotHeld(VolumeSpec spec)
    {
        if (json)
        {
            Write(w =>
            {
                w.WriteString("result", "not-held");
                w.WriteNumber("at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                w.WriteString("volume", spec.ToString());
            });
        }
        else
        {
            Console.WriteLine($"{spec}: not held by this host, nothing to release");
        }

        return ExitCodes.Ok;
    }

    public int Kept(VolumeSpec spec, string still)
    {
        string line = $"{spec}: not releasing the lock: {still} still serves it on this host, which could still write; " +
            $"the lock stays with this host until that is gone (unmount and unmap it, then run 'rbdfence release {spec}')";
        if (json)
        {
            Write(w =>
            {
                w.WriteString("result", "kept");
                w.WriteNumber("at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                w.WriteString("volume", spec.ToString());
                w.WriteString("still", still);
            });
        }

        // Emergency priority for the journal: a volume that cannot be handed over.
        Console.Error.WriteLine($"<2>rbdfence: {line}");
        return ExitCodes.LockKept;
    }

    public int Mapped(FencedVolume volume, string device)
    {
        if (json)
        {
            Write(w =>
            {
                w.WriteString("result", "mapped");
                w.WriteString("volume", volume.Spec.ToString());
                w.WriteString("device", device);
            });
        }
        else
        {
            Console.WriteLine(device);
        }

        return ExitCodes.Ok;
    }

    public int Unmapped(FencedVolume volume, string? device)
    {
        if (json)
        {
            Write(w =>
            {
                w.WriteString("result", device is null ? "not-mapped" : "unmapped");
                w.WriteString("volume", volume.Spec.ToString());
                w.WriteString("device", device);
            });
        }
        else
        {
            Console.WriteLine(device is null ? $"{volume.Spec}: not mapped on this host" : $"{volume.Spec}: unmapped {device}");
        }

        return ExitCodes.Ok;
    }

    public int Broken(FencedVolume volume, string? fenced)
    {
        if (json)
        {
            Write(w =>
            {
                w.WriteString("result", fenced is null ? "not-held" : "broken");
                w.WriteString("volume", volume.Spec.ToString());
                w.WriteString("blocklisted", fenced);
            });
        }
        else
        {
            Console.WriteLine(fenced is null
                ? $"{volume.Spec}: not locked, nothing to break"
                : $"{volume.Spec}: blocklisted {fenced} for {volume.Options.BlocklistExpiry.TotalMinutes:0} min, then broke its lock");
        }

        return ExitCodes.Ok;
    }

    public int Status(VolumeStatus status)
    {
        if (json)
        {
            Write(w =>
            {
                w.WriteString("volume", status.Spec.ToString());
                w.WriteString("mode", OptionNames.Of(status.Mode));
                w.WriteString("header", status.HeaderObject);
                w.WriteStartArray("holders");
                foreach (Holder h in status.Holders)
                {
                    WriteHolder(w, h);
                }

                w.WriteEndArray();
                w.WriteStartArray("watchers");
                foreach (string watcher in status.Watchers)
                {
                    w.WriteStringValue(watcher);
                }

                w.WriteEndArray();
            });
            return ExitCodes.Ok;
        }

        Console.WriteLine($"{status.Spec} ({OptionNames.Of(status.Mode)} mode, {status.HeaderObject})");
        if (status.Holders.Count == 0)
        {
            Console.WriteLine("  not locked");
        }

        foreach (Holder h in status.Holders)
        {
            Console.WriteLine($"  held by {h}");
            Console.WriteLine($"    locker {h.Client}  cookie {h.Cookie}  address {h.Address}");
        }

        Console.WriteLine(status.Watchers.Count == 0 ? "  no watchers" : "  watchers:");
        foreach (string watcher in status.Watchers)
        {
            Console.WriteLine($"    {watcher}");
        }

        return ExitCodes.Ok;
    }

    private static void WriteHolder(Utf8JsonWriter w, Holder h, bool? self = null)
    {
        w.WriteStartObject();
        if (self is { } isSelf)
        {
            w.WriteBoolean("self", isSelf);
        }

        w.WriteString("host", h.HostName);
        w.WriteString("kind", h.Identity.Kind.ToString().ToLowerInvariant());
        w.WriteString("locker", h.Client);
        w.WriteString("cookie", h.Cookie);
        w.WriteString("address", h.Address);
        if (h.Since is { } since)
        {
            w.WriteString("since", since);
        }

        if (h.Record is { } record)
        {
            w.WriteStartArray("clients");
            foreach (string client in record.Clients)
            {
                w.WriteStringValue(client);
            }

            w.WriteEndArray();
        }

        w.WriteBoolean("live", h.Live);
        w.WriteEndObject();
    }

    private static void Write(Action<Utf8JsonWriter> body)
    {
        using Stream stdout = Console.OpenStandardOutput();
        using (var w = new Utf8JsonWriter(stdout))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        stdout.WriteByte((byte)'\n');
    }
}
