using System;
using System.Globalization;
using System.Text;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace Rbdfence.Cli.Tests;

/// <summary>
/// A seeded generator of hostile strings: numbers in every spelling .NET or a shell might
/// accept (signs, exponents, NaN, infinities, overflow, other scripts' digits, whitespace,
/// units), names with separators and control characters. The seed is fixed, so a failure
/// repeats; <c>RBDFENCE_FUZZ_SEED</c> explores another sequence.
/// </summary>
internal sealed class Hostile(int seed)
{
    private static readonly string[] NumberCorpus =
    [
        "0", "00", "0.0", "1", "5", "30", "45", "60", "3600", "86400", "31536000", "1000000", "0.1", "0.09", "2.5", ".5", "5.",
        "-0", "-1", "+1", "1e3", "1E3", "1e400", "-1e400", "NaN", "nan", "Infinity", "-Infinity", "infinity", "inf", "∞",
        "0x10", "1_000", "1,5", "1 5", " 5", "5 ", "5s", "5min", "1h", "١٢", "５", "9223372036854775807", "9223372036854775808",
        "18446744073709551616", "999999999999", "1000000000000000000000000", "0.0000000000000000000001", "4294967296",
        "2147483648", "", " ", "\t", "5\n", "5\0", "\u202e5", "5\u200b", "1.2.3", "..", ".", "e", "-", "+", "$(reboot)", "`id`",
        "5;rm -rf /", "%n", "%%", "\\", "\"5\"", "'5'", "0.00000001", "59.9999999999", "60.0000000001",
    ];

    private static readonly string[] NameCorpus =
    [
        "rbd/vol", "rbd/ns/vol", "rbd/vol@snap", "rbd", "/", "//", "rbd//vol", "rbd/vol/", "/rbd/vol", "a/b/c/d", "rbd/vol@", "rbd/@",
        "rbd/v ol", "rbd/v,ol", "rbd/v=ol", "rbd/v\nol", "rbd/v\rol", "rbd/v\tol", "rbd/v\0ol", "rbd/v\u0085ol", "rbd/vol@sn\nap",
        "rbd/ExecStart=/bin/sh", "rbd/[Service]", "rbd/%h", "rbd/ü", "rbd/" + new string('x', 5000), "-rbd/vol", "--help", "-h",
        "rbd/vol@a@b", "rbd/\u2028", "rbd/\ud800", "\u202erbd/vol",
    ];

    private const string Alphabet = "0123456789.-+eE aZ/@,=\t\n\r\0\\\"'%$;:[]#ü\u0085\u2028";

    private readonly Random _random = new(seed);

    public static int Seed =>
        int.TryParse(Environment.GetEnvironmentVariable("RBDFENCE_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed) ? seed : 1414;

    public int Next(int max) => _random.Next(max);

    public bool Chance(int percent) => _random.Next(100) < percent;

    public T Pick<T>(T[] from) => from[_random.Next(from.Length)];

    /// <summary>A number-ish string: from the corpus, a random decimal (in and out of any range), or noise.</summary>
    public string Number() => Next(4) switch
    {
        0 => Pick(NumberCorpus),
        1 => (_random.NextDouble() * Math.Pow(10, Next(12) - 3)).ToString("0.#####", CultureInfo.InvariantCulture),
        2 => Next(100_000_000).ToString(CultureInfo.InvariantCulture),
        _ => Noise(1 + Next(12)),
    };

    /// <summary>A name-ish string: a spec from the corpus, mutated or not, or noise.</summary>
    public string Name() => Next(3) switch
    {
        0 => Pick(NameCorpus),
        1 => Mutate(Pick(NameCorpus)),
        _ => Noise(1 + Next(20)),
    };

    public string Noise(int length)
    {
        var text = new StringBuilder(length);
        for (int i = 0; i < length; i++)
        {
            text.Append(Chance(5) ? (char)_random.Next(0x20, 0xd7ff) : Alphabet[_random.Next(Alphabet.Length)]);
        }

        return text.ToString();
    }

    public string Mutate(string text)
    {
        if (text.Length == 0)
        {
            return Noise(1);
        }

        int at = Next(text.Length);
        return Next(3) switch
        {
            0 => text.Remove(at, 1),
            1 => text.Insert(at, Noise(1)),
            _ => text[..at] + Noise(1) + text[(at + 1)..],
        };
    }
}
