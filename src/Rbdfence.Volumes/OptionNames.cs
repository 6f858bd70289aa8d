using System;
using System.Linq;

namespace Rbdfence.Volumes;

/// <summary>
/// How lock modes and map backends are spelled wherever a person or a unit writes them (the
/// table's <c>mode=</c> and <c>backend=</c>, the CLI's <c>--backend</c>, the units'
/// environment, the output): the member's name in lower case. One spelling, so that the
/// table, the CLI and the generator cannot drift apart.
/// </summary>
public static class OptionNames
{
    /// <summary>The name of <paramref name="value"/>: <c>managed</c>, <c>krbd</c>.</summary>
    public static string Of<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();

    /// <summary>The member named <paramref name="text"/> (exactly, lower case); false for anything else, numbers too.</summary>
    public static bool TryParse<T>(string text, out T value)
        where T : struct, Enum
    {
        foreach (T candidate in Enum.GetValues<T>())
        {
            if (string.Equals(Of(candidate), text, StringComparison.Ordinal))
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>The accepted names for a message: <c>krbd, nbd or fuse</c>.</summary>
    public static string Choices<T>()
        where T : struct, Enum
    {
        string[] names = [.. Enum.GetValues<T>().Select(Of)];
        return names.Length == 1 ? names[0] : string.Join(", ", names[..^1]) + " or " + names[^1];
    }
}
