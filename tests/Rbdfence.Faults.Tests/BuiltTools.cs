using System;
using System.IO;

namespace Rbdfence.Faults.Tests;

/// <summary>The executables this tier runs, from their own build output (same configuration).</summary>
internal static class BuiltTools
{
    public static readonly string Rbdfence = Find("src/Rbdfence.Cli", "rbdfence.dll");

    public static readonly string Writer = Find("tests/Rbdfence.Faults.Writer", "Rbdfence.Faults.Writer.dll");

    public static readonly string Sampler = Find("tests/Rbdfence.Faults.Sampler", "Rbdfence.Faults.Sampler.dll");

    private static string Find(string project, string dll)
    {
        // <repo>/tests/<this>/bin/<Configuration>/<tfm>/
        var dir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        string repo = dir.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        string path = Path.Combine(repo, project, "bin", dir.Parent.Name, dir.Name, dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{dll} was not built", path);
    }
}
