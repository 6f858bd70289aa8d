using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace Rbdfence.HeaderScraper;

/// <summary>
/// What changed between two metadata files, per kind (functions, structs, enums, typedefs,
/// callbacks, constants): added, removed and changed entries, sorted by name. A change is a
/// list of "what: old → new" lines; types are compared both as written and fully resolved,
/// so a typedef whose meaning changed under an unchanged spelling is still reported.
/// </summary>
internal sealed class ApiDiff
{
    internal sealed record Change(string Name, IReadOnlyList<string> Details);

    internal sealed record Section(string Title, IReadOnlyList<string> Added, IReadOnlyList<string> Removed, IReadOnlyList<Change> Changed)
    {
        /// <summary>The names of <see cref="Removed"/>, in the same order.</summary>
        public IReadOnlyList<string> RemovedNames { get; init; } = [];

        public bool IsEmpty => Added.Count == 0 && Removed.Count == 0 && Changed.Count == 0;
    }

    public string OldRelease { get; }
    public string NewRelease { get; }
    public string OldPackage { get; }
    public string NewPackage { get; }
    public IReadOnlyList<Section> Sections { get; }

    private ApiDiff(JsonElement old, JsonElement @new, IReadOnlyList<Section> sections)
    {
        OldRelease = old.GetProperty("release").GetString() ?? "";
        NewRelease = @new.GetProperty("release").GetString() ?? "";
        OldPackage = old.GetProperty("package").GetString() ?? "";
        NewPackage = @new.GetProperty("package").GetString() ?? "";
        Sections = sections;
    }

    public static ApiDiff Compare(byte[] oldJson, byte[] newJson)
    {
        using JsonDocument oldDoc = JsonDocument.Parse(oldJson);
        using JsonDocument newDoc = JsonDocument.Parse(newJson);
        JsonElement o = oldDoc.RootElement, n = newDoc.RootElement;
        foreach (JsonElement root in new[] { o, n })
        {
            if (!root.TryGetProperty("schema", out JsonElement schema) || schema.GetInt32() != ApiMetadata.Schema)
            {
                throw new InvalidOperationException($"not a schema {ApiMetadata.Schema} bindings metadata file");
            }
        }

        var sections = new List<Section>
        {
            Diff("functions", o, n, FunctionSummary, FunctionFacts, null),
            Diff("structs", o, n, StructSummary, StructFacts, s => Members(s, "fields", FieldFacts)),
            Diff("enums", o, n, EnumSummary, EnumFacts, e => Members(e, "constants", c => [("value", Str(c, "value"))])),
            Diff("typedefs", o, n, TypedefSummary, TypedefFacts, null),
            Diff("callbacks", o, n, CallbackSignature, CallbackFacts, null),
            Diff("constants", o, n, ConstantSummary, ConstantFacts, null),
        };
        return new ApiDiff(o, n, sections);
    }

    private static Section Diff(
        string kind, JsonElement oldRoot, JsonElement newRoot,
        Func<JsonElement, string> summary,
        Func<JsonElement, IEnumerable<(string Key, string Value)>> facts,
        Func<JsonElement, Dictionary<string, IReadOnlyList<(string Key, string Value)>>>? members)
    {
        Dictionary<string, JsonElement> old = ByName(oldRoot, kind), @new = ByName(newRoot, kind);
        var added = @new.Keys.Except(old.Keys).Order(StringComparer.Ordinal).Select(k => summary(@new[k])).ToList();
        var removedNames = old.Keys.Except(@new.Keys).Order(StringComparer.Ordinal).ToList();
        var removed = removedNames.Select(k => summary(old[k])).ToList();
        var changed = new List<Change>();
        foreach (string name in old.Keys.Intersect(@new.Keys).Order(StringComparer.Ordinal))
        {
            var details = CompareFacts(facts(old[name]).ToList(), facts(@new[name]).ToList(), "");
            if (members is not null)
            {
                var oldMembers = members(old[name]);
                var newMembers = members(@new[name]);
                details.AddRange(newMembers.Keys.Where(k => !oldMembers.ContainsKey(k)).Select(k => $"added {k}"));
                details.AddRange(oldMembers.Keys.Where(k => !newMembers.ContainsKey(k)).Select(k => $"removed {k}"));
                foreach (string member in oldMembers.Keys.Where(newMembers.ContainsKey))
                {
                    details.AddRange(CompareFacts(oldMembers[member], newMembers[member], member + " "));
                }
            }
            if (details.Count > 0)
            {
                changed.Add(new Change(name, details));
            }
        }
        return new Section(kind, added, removed, changed) { RemovedNames = removedNames };
    }

    private static List<string> CompareFacts(
        IReadOnlyList<(string Key, string Value)> old, IReadOnlyList<(string Key, string Value)> @new, string prefix)
    {
        var details = new List<string>();
        foreach (var (key, oldValue) in old)
        {
            string newValue = @new.FirstOrDefault(f => f.Key == key).Value ?? "";
            if (!string.Equals(oldValue, newValue, StringComparison.Ordinal))
            {
                details.Add($"{prefix}{key}: {oldValue} → {newValue}");
            }
        }
        return details;
    }

    /// <summary>Entries keyed by name; unnamed enums by their first constant.</summary>
    private static Dictionary<string, JsonElement> ByName(JsonElement root, string kind)
    {
        var entries = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (JsonElement entry in root.GetProperty(kind).EnumerateArray())
        {
            entries[Key(entry)] = entry.Clone();
        }
        return entries;
    }

    private static string Key(JsonElement entry)
    {
        string name = Str(entry, "name");
        if (name.Length > 0 || !entry.TryGetProperty("constants", out JsonElement constants))
        {
            return name;
        }
        return "(unnamed enum " + (constants.GetArrayLength() > 0 ? Str(constants[0], "name") : "") + ")";
    }

    /// <summary>Ordered members (fields, enum constants) with their facts, keyed by name.</summary>
    private static Dictionary<string, IReadOnlyList<(string Key, string Value)>> Members(
        JsonElement entry, string property, Func<JsonElement, IReadOnlyList<(string Key, string Value)>> facts)
    {
        var members = new Dictionary<string, IReadOnlyList<(string Key, string Value)>>(StringComparer.Ordinal);
        foreach (JsonElement member in entry.GetProperty(property).EnumerateArray())
        {
            members[Str(member, "name")] = facts(member);
        }
        return members;
    }

    private static string FunctionSummary(JsonElement f) =>
        Str(f, "signature") + (f.GetProperty("deprecated").GetBoolean() ? " [deprecated]" : "");

    private static IEnumerable<(string, string)> FunctionFacts(JsonElement f) =>
    [
        ("signature", Str(f, "signature")),
        ("resolved types", Resolve(f.GetProperty("returns")) + " (" + string.Join(", ",
            f.GetProperty("parameters").EnumerateArray().Select(p => Resolve(p.GetProperty("type")))) + ")"),
        ("deprecated", f.GetProperty("deprecated").GetBoolean() ? "yes" : "no"),
        ("header", Str(f, "header")),
    ];

    private static string StructSummary(JsonElement s) =>
        $"{Str(s, "kind")} {Str(s, "name")} ({Num(s, "size")} bytes, {s.GetProperty("fields").GetArrayLength()} fields)";

    private static IEnumerable<(string, string)> StructFacts(JsonElement s) =>
        [("kind", Str(s, "kind")), ("size", Num(s, "size")), ("align", Num(s, "align")), ("header", Str(s, "header"))];

    private static IReadOnlyList<(string, string)> FieldFacts(JsonElement f) =>
        [("type", Str(f.GetProperty("type"), "c")), ("resolved type", Resolve(f.GetProperty("type"))),
         ("offset", Num(f, "offset")), ("bit width", Num(f, "bitWidth"))];

    private static string EnumSummary(JsonElement e) =>
        (Str(e, "name").Length > 0 ? "enum " : "") + $"{Key(e)} ({e.GetProperty("constants").GetArrayLength()} constants)";

    private static IEnumerable<(string, string)> EnumFacts(JsonElement e) =>
        [("underlying type", Resolve(e.GetProperty("underlying"))), ("header", Str(e, "header"))];

    private static string TypedefSummary(JsonElement t) => $"typedef {Str(t.GetProperty("type"), "c")} {Str(t, "name")}";

    private static IEnumerable<(string, string)> TypedefFacts(JsonElement t) =>
        [("type", Str(t.GetProperty("type"), "c")), ("resolved type", Resolve(t.GetProperty("type"))), ("header", Str(t, "header"))];

    private static string CallbackSignature(JsonElement c) =>
        Scraper.Declarator(Str(c.GetProperty("returns"), "c"), "(*" + Str(c, "name") + ")") + "(" + string.Join(", ",
            c.GetProperty("parameters").EnumerateArray().Select(p => Scraper.Declarator(Str(p.GetProperty("type"), "c"), Str(p, "name")))) + ")";

    private static IEnumerable<(string, string)> CallbackFacts(JsonElement c) =>
    [
        ("signature", CallbackSignature(c)),
        ("resolved types", Resolve(c.GetProperty("returns")) + " (" + string.Join(", ",
            c.GetProperty("parameters").EnumerateArray().Select(p => Resolve(p.GetProperty("type")))) + ")"),
        ("header", Str(c, "header")),
    ];

    private static string ConstantSummary(JsonElement c) => $"{Str(c, "name")} = {Str(c, "value")} ({Str(c, "expression")})";

    private static IEnumerable<(string, string)> ConstantFacts(JsonElement c) =>
    [
        ("value", Str(c, "value")), ("type", Resolve(c.GetProperty("type"))),
        ("expression", Str(c, "expression")), ("header", Str(c, "header")),
    ];

    /// <summary>A TYPE with every typedef resolved: "const char*", "unsigned long", "struct x*".</summary>
    internal static string Resolve(JsonElement type)
    {
        string prefix = type.TryGetProperty("const", out JsonElement isConst) && isConst.GetBoolean() ? "const " : "";
        return Str(type, "kind") switch
        {
            "void" => prefix + "void",
            "builtin" => prefix + Str(type, "name"),
            "typedef" => prefix + Resolve(type.GetProperty("canonical")).Replace("const ", "", StringComparison.Ordinal),
            "pointer" => Resolve(type.GetProperty("pointee")) + "*" + (prefix.Length > 0 ? " const" : ""),
            "array" => Resolve(type.GetProperty("element")) + "[" + Num(type, "length") + "]",
            "struct" or "union" or "enum" => prefix + Str(type, "kind") + " " + Str(type, "name"),
            "function" => Resolve(type.GetProperty("returns")) + "(" + string.Join(", ",
                type.GetProperty("parameters").EnumerateArray().Select(Resolve)) + (type.GetProperty("variadic").GetBoolean() ? ", ...)" : ")"),
            _ => Str(type, "c"),
        };
    }

    private static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    private static string Num(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetRawText() : "none";

    /// <summary>
    /// The functions among <paramref name="called"/> that the new release removed or whose
    /// signature changed (as written or resolved), each as one line naming it: code that calls
    /// them would no longer build, or would call them wrongly. A function only newly marked
    /// deprecated is not a break; <paramref name="deprecated"/> receives those.
    /// </summary>
    public IReadOnlyList<string> BreaksFor(IReadOnlySet<string> called, out IReadOnlyList<string> deprecated)
    {
        Section functions = Sections.Single(s => s.Title == "functions");
        var breaks = functions.RemovedNames.Where(called.Contains)
            .Select(name => $"{name}: removed in {NewRelease}").ToList();
        var newlyDeprecated = new List<string>();
        foreach (Change change in functions.Changed.Where(c => called.Contains(c.Name)))
        {
            var signature = change.Details.Where(d => !d.StartsWith("deprecated:", StringComparison.Ordinal)).ToList();
            if (signature.Count > 0)
            {
                breaks.Add($"{change.Name}: changed in {NewRelease} ({string.Join("; ", signature)})");
            }
            else
            {
                newlyDeprecated.Add($"{change.Name}: deprecated in {NewRelease}");
            }
        }
        deprecated = newlyDeprecated;
        return breaks;
    }

    public string ToText()
    {
        var text = new StringBuilder();
        text.Append($"API diff {OldRelease} → {NewRelease}\n");
        foreach (Section s in Sections)
        {
            text.Append($"{s.Title}: {s.Added.Count} added, {s.Removed.Count} removed, {s.Changed.Count} changed\n");
        }
        foreach (Section s in Sections.Where(s => !s.IsEmpty))
        {
            text.Append('\n');
            foreach (string item in s.Added)
            {
                text.Append($"+ {s.Title}: {item}\n");
            }
            foreach (string item in s.Removed)
            {
                text.Append($"- {s.Title}: {item}\n");
            }
            foreach (Change change in s.Changed)
            {
                text.Append($"~ {s.Title}: {change.Name}\n");
                foreach (string detail in change.Details)
                {
                    text.Append($"    {detail}\n");
                }
            }
        }
        return text.ToString();
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.Append($"# Ceph C API diff: {OldRelease} → {NewRelease}\n\n");
        md.Append("Generated by `scripts/regenerate-bindings` (`rbdfence-scrape diff --markdown`) from\n");
        md.Append($"`bindings/metadata/ceph-{OldRelease}.json` ({OldPackage}) and\n");
        md.Append($"`bindings/metadata/ceph-{NewRelease}.json` ({NewPackage}). Do not edit.\n\n");
        md.Append("| | added | removed | changed |\n|---|---:|---:|---:|\n");
        foreach (Section s in Sections)
        {
            md.Append($"| {s.Title} | {s.Added.Count} | {s.Removed.Count} | {s.Changed.Count} |\n");
        }
        foreach (Section s in Sections.Where(s => !s.IsEmpty))
        {
            md.Append($"\n## {char.ToUpperInvariant(s.Title[0])}{s.Title[1..]}\n");
            AppendList(md, "Added", s.Added);
            AppendList(md, "Removed", s.Removed);
            if (s.Changed.Count > 0)
            {
                md.Append("\n### Changed\n\n");
                foreach (Change change in s.Changed)
                {
                    md.Append($"- `{change.Name}`\n");
                    foreach (string detail in change.Details)
                    {
                        md.Append($"  - {Code(detail)}\n");
                    }
                }
            }
        }
        return md.ToString();
    }

    private static void AppendList(StringBuilder md, string heading, IReadOnlyList<string> items)
    {
        if (items.Count == 0)
        {
            return;
        }
        md.Append($"\n### {heading}\n\n");
        foreach (string item in items)
        {
            md.Append($"- `{item}`\n");
        }
    }

    /// <summary>"what: old → new" with old and new in backticks.</summary>
    private static string Code(string detail)
    {
        int colon = detail.IndexOf(": ", StringComparison.Ordinal);
        int arrow = detail.IndexOf(" → ", StringComparison.Ordinal);
        return colon < 0 || arrow < colon ? detail
            : $"{detail[..(colon + 2)]}`{detail[(colon + 2)..arrow]}` → `{detail[(arrow + 3)..]}`";
    }
}
