using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Rbdfence.Fencing;
using Rbdfence.Mapping;
using Rbdfence.Table;

namespace Rbdfence.Cli;

/// <summary>One line of <c>rbdfence list</c>: a volume of the table with what this host and the cluster say of it, or a bad line.</summary>
/// <param name="Error">Why the table line is skipped (the generator made no units for it); the rest is then empty.</param>
/// <param name="Device">The device link the mount unit mounts, when it exists; <paramref name="DeviceTarget"/> is what it points to.</param>
internal sealed record ListedVolume(
    int Line, string? Error, VolumeEntry? Volume, string? Unit, UnitState State, bool Mounted, string? Device, string? DeviceTarget, LockView Lock);

/// <summary>
/// <c>rbdfence list</c>: every line of this host's volume table, read as the generator reads
/// it, with its unit's state (one <c>systemctl show</c>), device and mount (this host) and its
/// lock holder (the cluster). The local columns never wait for the cluster: when it cannot be
/// reached they are still printed, and the exit code is 69.
/// </summary>
internal static class VolumeList
{
    private static readonly Option<string> TablePath = new("--table")
    {
        Description = "The volume table to list (default: /etc/ceph/rbdfencetab); refused (77) when writable by another user than root",
        DefaultValueFactory = _ => VolumeTable.DefaultPath,
    };

    public static Command Build(Option<double> connectTimeout, Option<bool> json)
    {
        var command = new Command("list", "List this host's volume table: each volume's unit state, since when, device, mount and lock holder")
        {
            TablePath, connectTimeout, json,
        };
        command.SetAction((parse, cancel) =>
        {
            bool given = parse.GetResult(TablePath) is { Implicit: false };
            return RunAsync(parse.GetValue(TablePath)!, given, TimeSpan.FromSeconds(parse.GetValue(connectTimeout)), new Output(parse.GetValue(json)), cancel);
        });
        return command;
    }

    public static async Task<int> RunAsync(string table, bool given, TimeSpan connectTimeout, Output output, CancellationToken cancel)
    {
        if (SecretFiles.Problem(table, "volume table") is { } untrusted)
        {
            // The generator made no units of it either: a table another user can edit is not this host's.
            return output.Fail(ExitCodes.PermissionDenied, untrusted);
        }

        byte[] content;
        try
        {
            content = File.ReadAllBytes(table);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // No table is no fenced volumes, as for the generator; a table named on the command line must exist.
            return given ? output.Fail(ExitCodes.Usage, $"no volume table at {table}") : output.List(table, [], ExitCodes.Ok);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return output.Fail(e is UnauthorizedAccessException ? ExitCodes.PermissionDenied : ExitCodes.Failure, $"cannot read {table}: {e.Message}");
        }

        List<TableLine> lines = VolumeTable.Parse(content).ToList();
        List<VolumeEntry> volumes = lines.Where(l => l.Volume is not null).Select(l => l.Volume!).ToList();

        // The cluster first, in the background: the local columns are read meanwhile.
        Task<Dictionary<VolumeEntry, LockView>> holders = volumes.Count == 0
            ? Task.FromResult(new Dictionary<VolumeEntry, LockView>())
            : LockHolders.ReadAsync(volumes, connectTimeout, Host());
        Dictionary<string, Dictionary<string, string>> units =
            await UnitStates.ShowAsync(volumes.Select(v => UnitNames.ServiceOf(v.Spec)).ToList(), cancel).ConfigureAwait(false);
        HashSet<string> mounted = ReadMountPoints();
        Dictionary<VolumeEntry, LockView> views = await holders.ConfigureAwait(false);

        List<ListedVolume> listed = Assemble(lines, units, mounted, views, DeviceTarget);
        return output.List(table, listed, ExitCodeOf(listed));
    }

    /// <summary>The listing from what was read: pure, so that it is tested without systemd or a cluster.</summary>
    public static List<ListedVolume> Assemble(
        IEnumerable<TableLine> lines,
        IReadOnlyDictionary<string, Dictionary<string, string>> units,
        IReadOnlySet<string> mounted,
        IReadOnlyDictionary<VolumeEntry, LockView> views,
        Func<string, string?> deviceTarget)
    {
        var listed = new List<ListedVolume>();
        foreach (TableLine line in lines)
        {
            if (line.Volume is not { } volume)
            {
                listed.Add(new ListedVolume(line.Line, line.Error, null, null, UnitState.Unknown, false, null, null, LockView.NotAsked));
                continue;
            }

            string unit = UnitNames.ServiceOf(volume.Spec);
            bool isMounted = mounted.Contains(volume.MountPoint);
            string device = UnitNames.DeviceOf(volume.Spec);
            string? target = deviceTarget(device);
            listed.Add(new ListedVolume(
                line.Line, null, volume, unit, UnitStates.Map(units.GetValueOrDefault(unit), isMounted), isMounted,
                target is null ? null : device, target, views.GetValueOrDefault(volume) ?? LockView.NotAsked));
        }

        return listed;
    }

    /// <summary>
    /// 69 when a cluster could not be reached, else 77 when one refused this host's key, else
    /// 0: what the table or systemd says of a volume (a bad line, a failed unit, a missing
    /// image) is listed, not the command's failure.
    /// </summary>
    public static int ExitCodeOf(IEnumerable<ListedVolume> listed)
    {
        var codes = listed.Where(l => l.Volume is not null).Select(l => l.Lock.ExitCode).ToHashSet();
        return codes.Contains(ExitCodes.Unreachable) ? ExitCodes.Unreachable
            : codes.Contains(ExitCodes.PermissionDenied) ? ExitCodes.PermissionDenied
            : ExitCodes.Ok;
    }

    /// <summary>This host's mount points; none when the mount table cannot be read (the other columns still say what they know).</summary>
    private static HashSet<string> ReadMountPoints()
    {
        try
        {
            return MountTable.MountPoints();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>What the device link points to, or null when there is no link.</summary>
    private static string? DeviceTarget(string link)
    {
        try
        {
            return new FileInfo(link).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static HostIdentity Host()
    {
        try
        {
            return HostIdentity.FromSystem();
        }
        catch (InvalidOperationException)
        {
            // Without a machine-id no holder is recognised as this host; the rest is still listed.
            return new HostIdentity(Environment.MachineName, string.Empty, string.Empty);
        }
    }
}
