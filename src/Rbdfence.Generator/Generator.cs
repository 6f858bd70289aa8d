using System;
using System.Collections.Generic;
using System.IO;
using Rbdfence.Table;

namespace Rbdfence.Generator;

/// <summary>
/// <c>run(dest, early, late)</c>: parse the volume table, add one fenced mount per entry,
/// log and skip what is wrong, and report the first hard error (the output directory could
/// not be written) at the end. Shaped like systemd's fstab-generator.
/// </summary>
public static class Generator
{
    public const string DefaultTable = VolumeTable.DefaultPath;

    /// <summary>The table to read: <c>$RBDFENCE_TAB</c> (as <c>$SYSTEMD_FSTAB</c> for fstab-generator), else the default.</summary>
    public static string TablePath =>
        System.Environment.GetEnvironmentVariable("RBDFENCE_TAB") is { Length: > 0 } path ? path : DefaultTable;

    /// <summary>Where the generator installs itself (scripts/install); what the errors unit runs by default.</summary>
    public const string InstalledPath = "/usr/lib/systemd/system-generators/rbdfence-generator";

    /// <summary>
    /// Writes units for <paramref name="table"/> into <paramref name="dest"/> (the generator's
    /// normal directory; <paramref name="early"/> and <paramref name="late"/> are not used).
    /// When a line was skipped it also writes <see cref="UnitWriter.ErrorsUnit"/>, which runs
    /// <paramref name="self"/> <c>--check</c> at boot: the kernel log, where the messages go
    /// first, is not there in a container, and a failed unit is hard to miss anywhere.
    /// Returns the process exit code: 0, or 1 if the output could not be written.
    /// </summary>
    public static int Run(string dest, string early, string late, string table, GeneratorLog log, string self = InstalledPath)
    {
        _ = early;
        _ = late;
        if (!Directory.Exists(dest))
        {
            log.Error($"output directory {dest} does not exist");
            return 1;
        }

        if (Rbdfence.Fencing.SecretFiles.Problem(table, "volume table") is { } untrusted)
        {
            // Whoever can write the table decides what root maps and mounts, and as which
            // Ceph user: nothing of it is generated, and the errors unit says so at boot.
            log.Error($"{untrusted}; no fenced volumes generated");
            return AddErrorsUnit(new UnitWriter(dest, Path.GetFullPath(table)), table, self, log);
        }

        byte[] content;
        try
        {
            content = File.ReadAllBytes(table);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            log.Debugging($"{table} does not exist, no fenced volumes");
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error($"cannot read {table}: {e.Message}");
            return 0;
        }

        string source;
        try
        {
            source = Path.GetFullPath(table);
            UnitWriter.Plain(source);
        }
        catch (ArgumentException)
        {
            log.Error($"table path {table} cannot be named in a unit file");
            return 0;
        }

        var writer = new UnitWriter(dest, source);
        var grouped = new List<string>();
        int result = 0;
        int volumes = 0;

        // Whether this volume's units could be written: only then does it claim its mount
        // point and spec, so a later line naming them is still tried.
        bool Claim(VolumeEntry volume)
        {
            try
            {
                if (!AddVolume(writer, volume, table, log))
                {
                    return false;
                }

                volumes++;
                if (!volume.NoAuto)
                {
                    grouped.Add(UnitWriter.MountUnitOf(volume.MountPoint));
                }

                return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log.Error($"{table}:{volume.Line}: cannot write units for {volume.Spec}: {e.Message}");
                result = 1;
                return false;
            }
        }

        foreach (TableLine line in VolumeTable.Parse(content, Claim))
        {
            if (line.Error is { } error)
            {
                log.Error($"{table}:{line.Line}: {error}, ignoring");
            }
        }

        if (grouped.Count > 0)
        {
            try
            {
                if (!writer.TryWriteNew(UnitWriter.GroupTarget + ".d/50-volumes.conf", writer.GroupDropInText(grouped)))
                {
                    log.Error($"{UnitWriter.GroupTarget}.d/50-volumes.conf already exists in {dest}");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log.Error($"cannot write {UnitWriter.GroupTarget} drop-in: {e.Message}");
                result = 1;
            }
        }

        if (log.Errors > 0)
        {
            result |= AddErrorsUnit(writer, table, self, log);
        }

        log.Debugging($"{table}: {volumes} fenced volumes");
        return result;
    }

    /// <summary>
    /// <c>rbdfence-generator --check [TABLE]</c>: the same parse, nothing kept. Messages go to
    /// stderr (the journal, when a unit runs it). Returns 0 if every line is good, 1 if not.
    /// </summary>
    public static int Check(string table, TextWriter report)
    {
        DirectoryInfo scratch = Directory.CreateTempSubdirectory("rbdfence-check.");
        try
        {
            using GeneratorLog log = GeneratorLog.To(report);
            int written = Run(scratch.FullName, scratch.FullName, scratch.FullName, table, log, self: string.Empty);
            if (!File.Exists(table))
            {
                log.Error($"{table} does not exist");
            }

            return written != 0 || log.Errors > 0 ? 1 : 0;
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    private static int AddErrorsUnit(UnitWriter writer, string table, string self, GeneratorLog log)
    {
        if (self.Length == 0)
        {
            return 0;
        }

        string text;
        try
        {
            text = writer.ErrorsUnitText(self, Path.GetFullPath(table));
        }
        catch (ArgumentException e)
        {
            log.Error($"cannot write {UnitWriter.ErrorsUnit}: {e.Message}");
            return 0;
        }

        try
        {
            if (writer.TryWriteNew(UnitWriter.ErrorsUnit, text))
            {
                writer.AddSymlink("remote-fs.target", "wants", UnitWriter.ErrorsUnit);
            }

            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error($"cannot write {UnitWriter.ErrorsUnit}: {e.Message}");
            return 1;
        }
    }

    /// <summary>One volume: the mount unit, the instance's drop-in, then the links. All or nothing.</summary>
    private static bool AddVolume(UnitWriter writer, VolumeEntry volume, string table, GeneratorLog log)
    {
        string mount = UnitWriter.MountUnitOf(volume.MountPoint);
        string instance = UnitWriter.InstanceOf(volume.Spec);
        string dropIn = instance + ".d/" + UnitWriter.DropInName;

        if (!writer.TryWriteNew(mount, writer.MountUnitText(volume)))
        {
            log.Error($"{table}:{volume.Line}: {mount} already exists (duplicate of another generator's mount?), ignoring");
            return false;
        }

        bool written = false;
        try
        {
            written = writer.TryWriteNew(dropIn, writer.DropInText(volume));
        }
        finally
        {
            if (!written)
            {
                // Never leave a mount behind without its fencing settings.
                writer.Remove(mount);
            }
        }

        if (!written)
        {
            log.Error($"{table}:{volume.Line}: {dropIn} already exists, ignoring");
            return false;
        }

        if (volume.WantedBy.Count > 0 || volume.RequiredBy.Count > 0)
        {
            // As fstab-generator: explicit wanted-by/required-by replace the default target.
            foreach (string unit in volume.WantedBy)
            {
                writer.AddSymlink(unit, "wants", mount);
            }

            foreach (string unit in volume.RequiredBy)
            {
                writer.AddSymlink(unit, "requires", mount);
            }
        }
        else if (!volume.NoAuto)
        {
            writer.AddSymlink("remote-fs.target", volume.NoFail ? "wants" : "requires", mount);
        }

        return true;
    }
}
