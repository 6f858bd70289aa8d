using System;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Threading;
using Rbdfence.Volumes;

namespace Rbdfence.Cli;

/// <summary>The option declarations' parsers and validators over <see cref="OptionValues"/> (command line only).</summary>
internal static partial class OptionValues
{
    /// <summary>A <c>CustomParser</c> for an option of seconds in <paramref name="range"/>.</summary>
    public static Func<ArgumentResult, double> Seconds(SecondsRange range) => result =>
    {
        string? text = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
        if (TryParseSeconds(range.Option, text, range, out double seconds, out string error))
        {
            return seconds;
        }

        result.AddError(error);
        return 0;
    };

    /// <summary><c>--wait [SECONDS|infinity]</c>: no value or <c>infinity</c> is forever, else seconds in <see cref="Wait"/>.</summary>
    public static TimeSpan? ParseWait(ArgumentResult result)
    {
        if (result.Tokens.Count == 0 || string.Equals(result.Tokens[0].Value, "infinity", StringComparison.Ordinal))
        {
            return Timeout.InfiniteTimeSpan;
        }

        string text = result.Tokens[0].Value;
        if (TryParseSeconds(Wait.Option, text, Wait, out double seconds, out string error))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        result.AddError(error.Replace("takes a number of seconds,", "takes a number of seconds or 'infinity',", StringComparison.Ordinal));
        return null;
    }

    /// <summary><c>--id</c>: a Ceph user name (it lands in librados' entity name and in the map backends' arguments).</summary>
    public static string ParseCephId(ArgumentResult result)
    {
        string? text = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
        if (TryParseCephId("--id", text, out string error))
        {
            return text!;
        }

        result.AddError(error);
        return string.Empty;
    }

    /// <summary>The default <c>--interval</c>: 5 s, bounded by the grace given and the watchdog (<see cref="IntervalFor"/>).</summary>
    public static Func<ArgumentResult, double> DefaultIntervalFrom(Option<double> grace) =>
        result => IntervalFor(GraceGiven(result, grace) ?? DefaultGrace, Environment.GetEnvironmentVariable("WATCHDOG_USEC"));

    /// <summary>A validator for a given <c>--interval</c>: refused when longer than <see cref="CheckInterval"/> allows.</summary>
    public static Action<OptionResult> IntervalWithin(Option<double> grace) => result =>
    {
        // A value that does not parse has its own error already; so has a bad --grace.
        if (result.Tokens.Count == 0 || !TryParseSeconds(Interval.Option, result.Tokens[0].Value, Interval, out double interval, out _))
        {
            return;
        }

        if (CheckInterval(interval, GraceGiven(result, grace) ?? DefaultGrace, Environment.GetEnvironmentVariable("WATCHDOG_USEC")) is { } error)
        {
            result.AddError(error);
        }
    };

    /// <summary>The grace given on this command line, read from its token (not the parsed value, which may be in error).</summary>
    private static double? GraceGiven(SymbolResult from, Option<double> grace) =>
        from.GetResult(grace) is OptionResult { Implicit: false, Tokens.Count: > 0 } given
        && TryParseSeconds(Grace.Option, given.Tokens[0].Value, Grace, out double seconds, out _)
            ? seconds
            : null;

    /// <summary>The blocklist expiry of this verb: <c>--blocklist-expiry</c> where the verb has it, else the default.</summary>
    public static TimeSpan BlocklistExpiryOf(ParseResult parse, Option<double> option) =>
        parse.CommandResult.Command.Options.Contains(option)
            ? TimeSpan.FromSeconds(parse.GetValue(option))
            : TimeSpan.FromSeconds(DefaultBlocklistExpiry);

    /// <summary>An exception's message as one line, without .NET's "(Parameter 'x')" suffix.</summary>
    public static string MessageOf(ArgumentException e) =>
        Printable.Quote(e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", string.Empty, StringComparison.Ordinal), 200);

    /// <summary>One hour, Ceph's own default for <c>ceph osd blocklist add</c>.</summary>
    public const double DefaultBlocklistExpiry = 3600;

    /// <summary>How long a holder may go without a watch: above Ceph's osd_client_watch_timeout (30 s).</summary>
    public const double DefaultGrace = 45;
}
