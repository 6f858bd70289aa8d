using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using Rbdfence.Volumes;
using Xunit;

namespace Rbdfence.Cli.Tests;

/// <summary>
/// Property tests of the option values, in-process against the real parser (no cluster: a
/// value is judged before anything connects). A value is taken exactly when it is a plain
/// decimal within its documented range; everything else is a usage error; nothing the parser
/// accepts is NaN, infinite, out of range or "forever" by accident.
/// </summary>
public partial class OptionFuzzTests
{
    /// <summary>Generated cases per test (the corpus is always in: every entry is drawn many times over).</summary>
    private const int Cases = 4000;

    private static readonly OptionValues.SecondsRange[] Ranges =
        [OptionValues.Wait, OptionValues.Grace, OptionValues.Interval, OptionValues.ConnectTimeout, OptionValues.BlocklistExpiry];

    private static readonly Dictionary<string, OptionValues.SecondsRange> NumericOptions =
        Ranges.ToDictionary(r => r.Option, StringComparer.Ordinal);

    private static readonly Dictionary<string, string[]> VerbOptions = new(StringComparer.Ordinal)
    {
        ["acquire"] = ["--grace", "--wait", "--connect-timeout", "--blocklist-expiry"],
        ["release"] = ["--connect-timeout"],
        ["status"] = ["--grace", "--connect-timeout"],
        ["hold"] = ["--grace", "--interval", "--connect-timeout", "--blocklist-expiry"],
        ["map"] = ["--grace", "--connect-timeout", "--blocklist-expiry"],
        ["unmap"] = ["--connect-timeout"],
        ["break"] = ["--connect-timeout", "--blocklist-expiry"],
    };

    [Fact]
    public void Seconds_are_taken_exactly_when_plain_decimal_and_in_range()
    {
        var hostile = new Hostile(Hostile.Seed);
        int accepted = 0;
        foreach (OptionValues.SecondsRange range in Ranges)
        {
            for (int i = 0; i < Cases; i++)
            {
                string text = hostile.Number();
                bool ok = OptionValues.TryParseSeconds(range.Option, text, range, out double seconds, out string error);
                bool expected = Expected(text, range, out double value);
                Assert.True(ok == expected, $"seed {Hostile.Seed}: {range.Option} '{Escape(text)}': took it {ok}, expected {expected} ({error})");
                if (ok)
                {
                    accepted++;
                    Assert.True(double.IsFinite(seconds) && seconds >= range.Min && seconds <= range.Max && seconds == value, $"{range.Option} '{text}' -> {seconds}");
                }
                else
                {
                    AssertOneLine(error);
                    Assert.StartsWith(range.Option + " ", error, StringComparison.Ordinal);
                }
            }
        }

        // The generator must reach both sides, or the property proves little.
        Assert.InRange(accepted, Ranges.Length * Cases / 20, Ranges.Length * Cases * 19 / 20);
    }

    [Fact]
    public void The_parser_takes_no_out_of_range_value_and_refuses_every_bad_one()
    {
        var hostile = new Hostile(Hostile.Seed + 1);
        int refused = 0;
        for (int i = 0; i < Cases; i++)
        {
            string verb = hostile.Pick(VerbOptions.Keys.ToArray());
            var args = new List<string> { verb, hostile.Chance(80) ? "rbd/vol" : hostile.Name() };
            var given = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string option in VerbOptions[verb].Where(_ => hostile.Chance(50)))
            {
                string value = hostile.Chance(70) ? hostile.Number() : Plausible(hostile, NumericOptions[option]);
                given[option] = value;
                if (hostile.Chance(50))
                {
                    args.Add(option + "=" + value);
                }
                else
                {
                    args.AddRange([option, value]);
                }
            }

            if (args.Any(a => a is "-h" or "--help" or "-?"))
            {
                // Help, not a verb: nothing runs (Program prints the help whatever the errors).
                continue;
            }

            ParseResult parse = Program.Parse([.. args]);
            if (parse.Action is System.CommandLine.Help.HelpAction)
            {
                continue;
            }

            string shown = string.Join(' ', args.Select(Escape));
            bool badValue = given.Any(g => !(g.Key == "--wait" && g.Value == "infinity") && !Expected(g.Value, NumericOptions[g.Key], out _));
            if (badValue)
            {
                Assert.True(parse.Errors.Count > 0, $"seed {Hostile.Seed + 1}: accepted a bad value: {shown}");
            }

            if (parse.Errors.Count > 0)
            {
                refused++;
                continue;
            }

            foreach (string option in VerbOptions[verb])
            {
                AssertTaken(parse, option, given.GetValueOrDefault(option), shown);
            }
        }

        Assert.InRange(refused, Cases / 20, Cases * 19 / 20);
    }

    [Fact]
    public void The_holder_checks_at_least_twice_per_grace_given_or_not()
    {
        var hostile = new Hostile(Hostile.Seed + 2);
        for (int i = 0; i < Cases; i++)
        {
            string grace = Plausible(hostile, OptionValues.Grace);
            string interval = Plausible(hostile, OptionValues.Interval);
            bool giveInterval = hostile.Chance(60);
            string[] args = giveInterval ? ["hold", "rbd/v", "--grace", grace, "--interval", interval] : ["hold", "rbd/v", "--grace", grace];
            ParseResult parse = Program.Parse(args);
            double g = double.Parse(grace, CultureInfo.InvariantCulture);
            if (giveInterval)
            {
                double v = double.Parse(interval, CultureInfo.InvariantCulture);
                Assert.True((parse.Errors.Count == 0) == (v <= g / 2), $"{string.Join(' ', args)}: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
                if (parse.Errors.Count > 0)
                {
                    Assert.Contains("must be at most half of --grace", parse.Errors[0].Message, StringComparison.Ordinal);
                }
            }
            else
            {
                Assert.Empty(parse.Errors);
                double used = parse.GetValue<double>("--interval");
                Assert.True(used >= OptionValues.Interval.Min && used <= Math.Min(5, g / 2) + 1e-9 || (g / 2 < OptionValues.Interval.Min && used == OptionValues.Interval.Min), $"grace {g}: interval {used}");
            }
        }
    }

    [Theory]
    [InlineData(null, "--interval", "20", true)]
    [InlineData("30000000", "--interval", "15", true)]
    [InlineData("30000000", "--interval", "15.5", false)]
    [InlineData("4000000", null, null, true)]
    public void The_interval_fits_the_systemd_watchdog(string? watchdogUsec, string? option, string? value, bool taken)
    {
        string? before = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        Environment.SetEnvironmentVariable("WATCHDOG_USEC", watchdogUsec);
        try
        {
            string[] args = option is null ? ["hold", "rbd/v"] : ["hold", "rbd/v", option, value!];
            ParseResult parse = Program.Parse(args);
            Assert.Equal(taken, parse.Errors.Count == 0);
            if (!taken)
            {
                Assert.Contains("half of the unit's watchdog (30 s", parse.Errors[0].Message, StringComparison.Ordinal);
            }
            else if (option is null)
            {
                // WatchdogSec=4s: the default 5 s would miss every ping; it is bounded to 2 s.
                Assert.Equal(2, parse.GetValue<double>("--interval"));
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("WATCHDOG_USEC", before);
        }
    }

    [Theory]
    [InlineData("--wait", null)]
    [InlineData("--wait", "infinity")]
    public void Forever_is_only_ever_asked_for(string option, string? value)
    {
        string[] args = value is null ? ["acquire", "rbd/v", option] : ["acquire", "rbd/v", option, value];
        ParseResult parse = Program.Parse(args);
        Assert.Empty(parse.Errors);
        OptionResult? wait = parse.GetResult(parse.CommandResult.Command.Options.Single(o => o.Name == "--wait")) as OptionResult;
        Assert.NotNull(wait);
        Assert.True(wait.Tokens.Count == 0 || parse.GetValue<TimeSpan?>("--wait") == Timeout.InfiniteTimeSpan);
    }

    [Fact]
    public void The_Ceph_user_is_a_plain_name()
    {
        var hostile = new Hostile(Hostile.Seed + 3);
        for (int i = 0; i < Cases; i++)
        {
            string id = hostile.Chance(30) ? "rbdfence" + hostile.Noise(1) : hostile.Name();
            ParseResult parse = Program.Parse(["status", "rbd/v", "--id", id]);
            string why = string.Join("; ", parse.Errors.Select(e => e.Message));
            bool plain = id.Length is > 0 and <= 128 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
            Assert.True(plain == (parse.Errors.Count == 0), $"--id '{Escape(id)}': {string.Join("; ", parse.Errors.Select(e => e.Message))}");
            if (!plain && !id.StartsWith('-'))
            {
                // (A value starting with '-' reads as an option; its error says that instead.)
                Assert.True(why.Contains("is not a Ceph user name", StringComparison.Ordinal), $"--id '{Escape(id)}': {why}");
            }
        }
    }

    [Fact]
    public void Messages_stay_one_printable_line()
    {
        var hostile = new Hostile(Hostile.Seed + 4);
        for (int i = 0; i < Cases; i++)
        {
            string text = hostile.Name() + hostile.Noise(hostile.Next(300));
            AssertOneLine(Printable.Quote(text, 64));
            AssertOneLine(Printable.Quote(text, 200));
            Assert.True(Printable.Quote(text, 200).Length <= (200 * 6) + 3);
        }
    }

    /// <summary>The oracle, written apart from the code under test: the grammar by regex, the range by decimal.</summary>
    private static bool Expected(string text, OptionValues.SecondsRange range, out double value)
    {
        value = 0;
        if (text.Length > 24 || !PlainDecimal().IsMatch(text) || (range.WholeOnly && text.Contains('.', StringComparison.Ordinal)))
        {
            return false;
        }

        value = double.Parse(text, CultureInfo.InvariantCulture);
        return value >= range.Min && value <= range.Max;
    }

    private static string Plausible(Hostile hostile, OptionValues.SecondsRange range)
    {
        double value = range.Min + (hostile.Next(1000) / 1000.0 * (Math.Min(range.Max, 200) - range.Min));
        return range.WholeOnly ? Math.Ceiling(value).ToString(CultureInfo.InvariantCulture) : value.ToString("0.###", CultureInfo.InvariantCulture);
    }

    private static void AssertTaken(ParseResult parse, string option, string? given, string shown)
    {
        if (option == "--wait")
        {
            TimeSpan? wait = parse.GetValue<TimeSpan?>(option);
            if (given is null)
            {
                Assert.Null(wait);
            }
            else if (given == "infinity")
            {
                Assert.Equal(Timeout.InfiniteTimeSpan, wait);
            }
            else
            {
                Assert.True(wait is { } w && w >= TimeSpan.Zero && w.TotalSeconds <= OptionValues.Wait.Max, $"{shown}: wait {wait}");
            }

            return;
        }

        double value = parse.GetValue<double>(option);
        OptionValues.SecondsRange range = NumericOptions[option];
        Assert.True(double.IsFinite(value) && value >= range.Min && value <= range.Max, $"{shown}: {option} = {value}");
        if (given is not null)
        {
            Assert.Equal(double.Parse(given, CultureInfo.InvariantCulture), value);
        }
    }

    private static void AssertOneLine(string message)
    {
        Assert.False(string.IsNullOrEmpty(message));
        Assert.DoesNotContain(message, c => char.IsControl(c) || c is '\u2028' or '\u2029');
    }

    private static string Escape(string text) => Printable.Quote(text, 80);

    [GeneratedRegex("^[0-9]+(\\.[0-9]+)?\\z")]
    private static partial Regex PlainDecimal();
}
