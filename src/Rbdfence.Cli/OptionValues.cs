using System;
using System.Globalization;
using System.Text;
using Rbdfence.Volumes;

namespace Rbdfence.Cli;

/// <summary>
/// Every numeric option value rbdfence takes, and its range: parsed and checked here, before
/// anything is connected, locked or mapped. A bad value is one line, never a silent default
/// and never "forever" by accident. The generator compiles this same file, so a table option
/// (<c>wait=</c>, <c>grace=</c>, <c>blocklist-expiry=</c>) accepts exactly what the command
/// line it turns into accepts.
/// </summary>
internal static partial class OptionValues
{
    /// <summary><c>--wait</c>: 0 (the default: do not wait) up to 1,000,000 s; longer is <c>infinity</c>.</summary>
    public static readonly SecondsRange Wait = new("--wait", 0, 1_000_000, WholeOnly: false);

    /// <summary>
    /// <c>--grace</c>: at least 1 s (zero would fence a holder at the first sight of a missing
    /// watch), at most a day.
    /// </summary>
    public static readonly SecondsRange Grace = new("--grace", 1, 86_400, WholeOnly: false);

    /// <summary>
    /// <c>--interval</c>: 0.1 s (more often only loads the cluster) to 60 s; besides, at most
    /// half the grace and half the systemd watchdog (<see cref="CheckInterval"/>).
    /// </summary>
    public static readonly SecondsRange Interval = new("--interval", 0.1, 60, WholeOnly: false);

    /// <summary><c>--connect-timeout</c>: 1 s to an hour (librados takes whole seconds, rounded up; 0 would mean none).</summary>
    public static readonly SecondsRange ConnectTimeout = new("--connect-timeout", 1, 3_600, WholeOnly: false);

    /// <summary><c>--blocklist-expiry</c>: whole seconds, as <c>ceph osd blocklist add</c> takes them, 1 s to a year.</summary>
    public static readonly SecondsRange BlocklistExpiry = new("--blocklist-expiry", 1, 31_536_000, WholeOnly: true);

    /// <summary>The check interval when none is given: 5 s, less when the grace or the watchdog needs it.</summary>
    public const double DefaultInterval = 5;

    /// <summary>Longer values are refused before they are parsed (a number has no reason to be this long).</summary>
    private const int MaxLength = 24;

    /// <summary>
    /// Parses <paramref name="text"/> as seconds in <paramref name="range"/>: decimal digits with an
    /// optional fraction (<c>30</c>, <c>2.5</c>); no sign, exponent, <c>NaN</c>, <c>Infinity</c>,
    /// unit or whitespace. <paramref name="name"/> is how the message names the option.
    /// </summary>
    public static bool TryParseSeconds(string name, string? text, SecondsRange range, out double seconds, out string error)
    {
        seconds = 0;
        error = string.Empty;
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength || !IsDecimal(text))
        {
            error = $"{name} takes a number of seconds{(range.WholeOnly ? " (whole)" : string.Empty)}, not '{Printable.Quote(text ?? string.Empty, 64)}'";
            return false;
        }

        if (range.WholeOnly && text.Contains('.', StringComparison.Ordinal))
        {
            error = $"{name} takes whole seconds, not '{text}'";
            return false;
        }

        double value = double.Parse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        if (!(value >= range.Min && value <= range.Max))
        {
            error = $"{name} {text} is out of range: {Format(range.Min)} to {Format(range.Max)} seconds";
            return false;
        }

        seconds = value;
        return true;
    }

    /// <summary>
    /// The holder's check interval against its grace and the systemd watchdog
    /// (<c>$WATCHDOG_USEC</c>, set by systemd for a unit with <c>WatchdogSec=</c>): it checks (and
    /// pets the watchdog) at least twice per grace period and twice per watchdog period, so a
    /// lost lock is seen before a peer's grace runs out and systemd never kills a healthy holder.
    /// Null when fine, else the one-line reason.
    /// </summary>
    public static string? CheckInterval(double interval, double grace, string? watchdogUsec)
    {
        if (interval > grace / 2)
        {
            return $"--interval {Format(interval)} must be at most half of --grace {Format(grace)} (the holder must see a lost lock within the grace)";
        }

        if (WatchdogSeconds(watchdogUsec) is { } watchdog && interval > watchdog / 2)
        {
            return $"--interval {Format(interval)} must be at most half of the unit's watchdog ({Format(watchdog)} s, WatchdogSec=)";
        }

        return null;
    }

    /// <summary>The interval used when none is given: <see cref="DefaultInterval"/>, bounded by <see cref="CheckInterval"/>'s rule.</summary>
    public static double IntervalFor(double grace, string? watchdogUsec)
    {
        double interval = Math.Min(DefaultInterval, grace / 2);
        if (WatchdogSeconds(watchdogUsec) is { } watchdog)
        {
            interval = Math.Min(interval, watchdog / 2);
        }

        return Math.Max(interval, Interval.Min);
    }

    /// <summary>A Ceph user name as rbdfence takes it (<c>--id</c>, <c>id=</c>): letters, digits, '.', '_', '-'; without <c>client.</c>.</summary>
    public static bool TryParseCephId(string name, string? text, out string error)
    {
        error = string.Empty;
        bool ok = !string.IsNullOrEmpty(text) && text.Length <= 128;
        foreach (char c in text ?? string.Empty)
        {
            ok &= char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';
        }

        if (!ok)
        {
            error = $"{name} '{Printable.Quote(text ?? string.Empty, 64)}' is not a Ceph user name (letters, digits, '.', '_', '-'; without 'client.')";
        }

        return ok;
    }


    private static double? WatchdogSeconds(string? watchdogUsec) =>
        long.TryParse(watchdogUsec, NumberStyles.None, CultureInfo.InvariantCulture, out long usec) && usec > 0 ? usec / 1e6 : null;

    private static bool IsDecimal(string text)
    {
        int dot = text.IndexOf('.', StringComparison.Ordinal);
        string whole = dot < 0 ? text : text[..dot];
        string fraction = dot < 0 ? "0" : text[(dot + 1)..];
        return whole.Length > 0 && fraction.Length > 0 && IsDigits(whole) && IsDigits(fraction);
    }

    private static bool IsDigits(string text)
    {
        foreach (char c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>An option's accepted seconds: <paramref name="Min"/> to <paramref name="Max"/> inclusive.</summary>
    public readonly record struct SecondsRange(string Option, double Min, double Max, bool WholeOnly);
}
