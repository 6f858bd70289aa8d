using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;
using Rbdfence.Fencing;
using Rbdfence.Volumes;

namespace Rbdfence.Cli;

/// <summary><c>rbdfence list</c>'s output: aligned columns, one line per table line, or one JSON object with a <c>volumes</c> array.</summary>
internal sealed partial class Output
{
    private static readonly string[] ListHeader = ["LINE", "VOLUME", "MOUNTPOINT", "MOUNTED", "STATE", "SINCE", "HOLDER", "DEVICE", "NOTE"];

    public int List(string table, IReadOnlyList<ListedVolume> listed, int exitCode)
    {
        if (json)
        {
            Write(w =>
            {
                w.WriteString("table", table);
                w.WriteStartArray("volumes");
                foreach (ListedVolume v in listed)
                {
                    WriteListed(w, v);
                }

                w.WriteEndArray();
                w.WriteNumber("exitCode", exitCode);
            });
        }
        else if (listed.Count == 0)
        {
            Console.WriteLine($"{table}: no fenced volumes");
        }
        else
        {
            Console.Write(ListText(listed));
        }

        // The reason for a non-zero code, once (each volume's line says it too).
        if (exitCode != ExitCodes.Ok && listed.FirstOrDefault(l => l.Volume is not null && l.Lock.ExitCode == exitCode) is { } first)
        {
            Console.Error.WriteLine($"rbdfence: {first.Lock.Error}");
        }

        return exitCode;
    }

    /// <summary>The human listing: a header and one line per table line, columns aligned, the note (free text) last.</summary>
    public static string ListText(IReadOnlyList<ListedVolume> listed)
    {
        var rows = new List<string[]> { ListHeader };
        rows.AddRange(listed.Select(Row));
        int[] widths = new int[ListHeader.Length - 1];
        foreach (string[] row in rows)
        {
            for (int i = 0; i < widths.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        var text = new StringBuilder();
        foreach (string[] row in rows)
        {
            var line = new StringBuilder();
            for (int i = 0; i < row.Length; i++)
            {
                line.Append(i < widths.Length ? row[i].PadRight(widths[i] + 2) : row[i]);
            }

            text.Append(line.ToString().TrimEnd()).Append('\n');
        }

        return text.ToString();
    }

    private static string[] Row(ListedVolume v)
    {
        string line = v.Line.ToString(CultureInfo.InvariantCulture);
        if (v.Volume is not { } volume)
        {
            return [line, "-", "-", "-", "error", "-", "-", "-", Printable.Quote(v.Error ?? string.Empty, 300)];
        }

        var notes = new List<string>();
        if (v.State.Result is { } result && v.State.State == "failed")
        {
            notes.Add("result " + result);
        }

        if (v.State.StatusText is { } status)
        {
            notes.Add(Printable.Quote(status, 300));
        }

        if (v.Lock.Error is { } error)
        {
            notes.Add("holder unknown: " + Printable.Quote(error, 300));
        }

        return
        [
            line,
            volume.Spec,
            volume.MountPoint,
            v.Mounted ? "yes" : "no",
            v.State.State,
            v.State.Since is { } since ? Time(since) : "-",
            HolderText(v.Lock),
            v.Device is null ? "-" : $"{v.Device} -> {v.DeviceTarget}",
            string.Join("; ", notes),
        ];
    }

    private static string HolderText(LockView view) => view switch
    {
        { Error: not null } => "?",
        { Holder: null } => "not locked",
        { Self: true, Holder: { } h } => $"this host ({h.Client}{(h.Since is { } s ? ", since " + Time(s) : string.Empty)}, {(h.Live ? "live" : "no watch")})",
        { Holder: { } h } => h.ToString(),
    };

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static void WriteListed(Utf8JsonWriter w, ListedVolume v)
    {
        w.WriteStartObject();
        w.WriteNumber("line", v.Line);
        if (v.Volume is not { } volume)
        {
            w.WriteString("state", "error");
            w.WriteString("error", v.Error);
            w.WriteEndObject();
            return;
        }

        w.WriteString("volume", volume.Spec);
        w.WriteString("mountPoint", volume.MountPoint);
        w.WriteString("unit", v.Unit);
        w.WriteString("state", v.State.State);
        w.WriteString("activeState", v.State.ActiveState);
        w.WriteString("subState", v.State.SubState);
        if (v.State.Since is { } since)
        {
            w.WriteString("since", since);
        }
        else
        {
            w.WriteNull("since");
        }

        w.WriteString("statusText", v.State.StatusText);
        w.WriteString("result", v.State.Result);
        w.WriteBoolean("mounted", v.Mounted);
        w.WriteString("device", v.Device);
        w.WriteString("deviceTarget", v.DeviceTarget);
        if (v.Lock.Holder is { } h)
        {
            w.WritePropertyName("holder");
            WriteHolder(w, h, v.Lock.Self);
        }
        else
        {
            w.WriteNull("holder");
        }

        w.WriteString("holderError", v.Lock.Error);
        w.WriteEndObject();
    }
}
