using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Rbdfence.Mapping;

namespace Rbdfence.Cli;

/// <summary>A volume service's state as <c>rbdfence list</c> shows it, from <c>systemctl show</c>.</summary>
/// <param name="State">mounted, held, waiting, starting, stopping, stopped, failed, not-loaded or unknown.</param>
/// <param name="Since">When the unit last changed state (<c>StateChangeTimestamp</c>), if it ever did.</param>
internal sealed record UnitState(string State, string ActiveState, string SubState, string? StatusText, string? Result, DateTimeOffset? Since)
{
    public static readonly UnitState Unknown = new("unknown", string.Empty, string.Empty, null, null, null);
}

/// <summary>Reads the volume services' states, all of them with one <c>systemctl show</c>.</summary>
internal static class UnitStates
{
    public const string Properties = "Id,LoadState,ActiveState,SubState,StatusText,Result,StateChangeTimestamp";

    /// <summary>
    /// The state of each of <paramref name="units"/>, keyed by unit name; empty when systemd
    /// cannot be asked (no systemd, no bus): the local columns then say unknown.
    /// </summary>
    public static async Task<Dictionary<string, Dictionary<string, string>>> ShowAsync(IReadOnlyCollection<string> units, CancellationToken cancel)
    {
        if (units.Count == 0)
        {
            return new(StringComparer.Ordinal);
        }

        // No systemd or no bus (a failure), or no answer within 10 s: the local columns say unknown.
        CommandOutput show = await new ProcessCommandRunner().RunAsync(
            "systemctl", ["show", "--timestamp=unix", "--property=" + Properties, "--", .. units], TimeSpan.FromSeconds(10), cancel).ConfigureAwait(false);
        return show.Succeeded ? Parse(show.StdOut) : new(StringComparer.Ordinal);
    }

    /// <summary><c>systemctl show</c>'s output for several units: blocks of <c>Key=Value</c> lines, separated by a blank line, keyed by <c>Id</c>.</summary>
    public static Dictionary<string, Dictionary<string, string>> Parse(string text)
    {
        var units = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var current = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in (text + "\n\n").Split('\n'))
        {
            if (line.Length == 0)
            {
                if (current.TryGetValue("Id", out string? id))
                {
                    units[id] = current;
                }

                current = new(StringComparer.Ordinal);
                continue;
            }

            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                current[line[..eq]] = line[(eq + 1)..];
            }
        }

        return units;
    }

    /// <summary>
    /// What the service's state means for its volume. Waiting is the lock's wait: the unit's
    /// ExecStartPre is <c>rbdfence acquire --wait</c>. A unit that failed and will be started
    /// again (auto-restart) is failed: it keeps failing the same way until the cause is fixed.
    /// Active is mounted only when the mount point is; held (mapped, not mounted) otherwise.
    /// </summary>
    public static UnitState Map(Dictionary<string, string>? properties, bool mounted)
    {
        if (properties is null)
        {
            return UnitState.Unknown;
        }

        string load = properties.GetValueOrDefault("LoadState", string.Empty);
        string active = properties.GetValueOrDefault("ActiveState", string.Empty);
        string sub = properties.GetValueOrDefault("SubState", string.Empty);
        string? status = properties.GetValueOrDefault("StatusText") is { Length: > 0 } s ? s : null;
        string? result = properties.GetValueOrDefault("Result") is { Length: > 0 } r && r != "success" ? r : null;
        string state = (load, active, sub) switch
        {
            ("not-found", _, _) => "not-loaded",
            (_, "active", _) => mounted ? "mounted" : "held",
            (_, "activating", "start-pre") => "waiting",
            (_, "activating", "auto-restart") => "failed",
            (_, "activating", _) => "starting",
            (_, "deactivating", _) => "stopping",
            (_, "inactive", _) => "stopped",
            (_, "failed", _) => "failed",
            _ => "unknown",
        };
        return new UnitState(state, active, sub, status, result, Timestamp(properties.GetValueOrDefault("StateChangeTimestamp")));
    }

    /// <summary><c>--timestamp=unix</c>'s <c>@SECONDS</c>; null for an empty one (never happened).</summary>
    private static DateTimeOffset? Timestamp(string? value) =>
        value is { Length: > 1 } && value[0] == '@' && long.TryParse(value.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out long seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}
