using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Rbdfence.HeaderScraper.Clang;

namespace Rbdfence.HeaderScraper;

/// <summary>rbdfence-scrape: `scrape` Ceph headers into bindings metadata, `diff` two metadata files.</summary>
internal static class Program
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;

    private const string Help = """
        usage: rbdfence-scrape scrape --release VERSION --output FILE [--include-root DIR]
                                      [--package TEXT] [--builtin-include DIR]
               rbdfence-scrape diff OLD.json NEW.json [--markdown] [--calls FILE]
               rbdfence-scrape --help

        scrape   parse rados/librados.h, rados/rados_types.h, rbd/features.h and rbd/librbd.h
                 under --include-root (default /usr/include) with libclang and write the
                 bindings metadata (docs/BINDINGS-METADATA.md) to --output ("-" for stdout).
                 --builtin-include is the compiler's own include dir (default: the output of
                 `gcc -print-file-name=include`). Any clang diagnostic fails the scrape.
        diff     print the API differences between two metadata files: functions, types and
                 constants added, removed and changed; --markdown for a Markdown report.
                 --calls FILE names the functions the project calls, one a line ('#' starts
                 a comment): the diff is still printed, and if NEW removed one of them or
                 changed its signature, each is named on stderr and the exit status is 1.

        exit status: 0 success, 1 failure (bad header tree, clang diagnostic), 2 usage error.
        """;

    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            if (args.Count == 0)
            {
                stderr.WriteLine("rbdfence-scrape: missing verb (scrape or diff); try --help");
                return Usage;
            }
            switch (args[0])
            {
                case "-h":
                case "--help":
                case "help":
                    stdout.Write(Help + "\n");
                    return Ok;
                case "scrape":
                    return RunScrape(args, stdout);
                case "diff":
                    return RunDiff(args, stdout, stderr);
                default:
                    stderr.WriteLine($"rbdfence-scrape: unknown verb '{args[0]}'; try --help");
                    return Usage;
            }
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"rbdfence-scrape: {e.Message}; try --help");
            return Usage;
        }
        catch (Exception e) when (e is ClangDiagnosticException or IOException or UnauthorizedAccessException
            or NotSupportedException or System.Text.Json.JsonException or InvalidOperationException or KeyNotFoundException or DllNotFoundException)
        {
            stderr.WriteLine($"rbdfence-scrape: {e.Message}");
            return Failed;
        }
    }

    private static int RunScrape(IReadOnlyList<string> args, TextWriter stdout)
    {
        string includeRoot = "/usr/include";
        string? release = null, output = null, builtinInclude = null;
        string package = "";
        for (int i = 1; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--include-root": includeRoot = Value(args, ref i); break;
                case "--release": release = Value(args, ref i); break;
                case "--package": package = Value(args, ref i); break;
                case "--output": output = Value(args, ref i); break;
                case "--builtin-include": builtinInclude = Value(args, ref i); break;
                default: throw new UsageException($"scrape: unknown argument '{args[i]}'");
            }
        }
        if (release is null)
        {
            throw new UsageException("scrape: --release is required");
        }
        if (output is null)
        {
            throw new UsageException("scrape: --output is required");
        }
        if (!Directory.Exists(includeRoot))
        {
            throw new DirectoryNotFoundException($"include root not found: {includeRoot}");
        }
        builtinInclude ??= CompilerIncludeDirectory();

        ApiMetadata api = Scraper.Scrape(new ScrapeOptions(includeRoot, builtinInclude, release, package));
        if (output == "-")
        {
            using Stream console = Console.OpenStandardOutput();
            MetadataWriter.Write(api, console);
        }
        else
        {
            MetadataWriter.WriteFile(api, output);
            stdout.WriteLine($"rbdfence-scrape: {release}: {api.Functions.Count} functions, {api.Structs.Count} structs, " +
                $"{api.Enums.Count} enums, {api.Callbacks.Count} callbacks, {api.Typedefs.Count} typedefs, " +
                $"{api.Constants.Count} constants -> {output}");
        }
        return Ok;
    }

    private static int RunDiff(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var files = new List<string>();
        bool markdown = false;
        string? calls = null;
        for (int i = 1; i < args.Count; i++)
        {
            if (args[i] == "--markdown")
            {
                markdown = true;
            }
            else if (args[i] == "--calls")
            {
                calls = Value(args, ref i);
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"diff: unknown argument '{args[i]}'");
            }
            else
            {
                files.Add(args[i]);
            }
        }
        if (files.Count != 2)
        {
            throw new UsageException("diff: expected OLD.json NEW.json");
        }
        ApiDiff diff = ApiDiff.Compare(File.ReadAllBytes(files[0]), File.ReadAllBytes(files[1]));
        stdout.Write(markdown ? diff.ToMarkdown() : diff.ToText());
        if (calls is null)
        {
            return Ok;
        }

        var called = File.ReadAllLines(calls)
            .Select(line => (line.IndexOf('#', StringComparison.Ordinal) is int hash and >= 0 ? line[..hash] : line).Trim())
            .Where(name => name.Length > 0)
            .ToHashSet(StringComparer.Ordinal);
        IReadOnlyList<string> breaks = diff.BreaksFor(called, out IReadOnlyList<string> deprecated);
        foreach (string line in deprecated)
        {
            stderr.WriteLine($"rbdfence-scrape: warning: a function the project calls is {line}");
        }
        foreach (string line in breaks)
        {
            stderr.WriteLine($"rbdfence-scrape: a function the project calls was {line}");
        }
        return breaks.Count == 0 ? Ok : Failed;
    }

    private static string Value(IReadOnlyList<string> args, ref int i) =>
        ++i < args.Count ? args[i] : throw new UsageException($"{args[i - 1]} needs a value");

    /// <summary>The C compiler's builtin header dir (stddef.h, stdarg.h): `gcc -print-file-name=include`.</summary>
    private static string CompilerIncludeDirectory()
    {
        try
        {
            var start = new ProcessStartInfo("gcc", "-print-file-name=include") { RedirectStandardOutput = true, RedirectStandardError = true };
            using Process gcc = Process.Start(start)!;
            string path = gcc.StandardOutput.ReadToEnd().Trim();
            gcc.WaitForExit();
            if (gcc.ExitCode == 0 && File.Exists(Path.Combine(path, "stddef.h")))
            {
                return path;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
        throw new IOException("cannot find the compiler's builtin include directory (is gcc installed?); pass --builtin-include DIR");
    }

    private sealed class UsageException(string message) : Exception(message);
}
