using System;
using System.IO;

namespace Rbdfence.Fencing.ClusterTests;

/// <summary>The executables this suite runs, from their own build output (same configuration).</summary>
internal static class BuiltTools
{
    public static readonly string Rbdfence = Find("src/Rbdfence.Cli", "rbdfence.dll");

    public static readonly string Probe = Find("tests/Rbdfence.Interop.Probe", "Rbdfence.Interop.Probe.dll");

    private static string Find(string project, string dll)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        // A build with --artifacts-path (the release matrix builds one per Ceph release):
        // <artifacts>/bin/<project name>/<configuration>/.
        string artifacts = Path.Combine(dir.Parent!.Parent!.FullName, Path.GetFileName(project), dir.Name, dll);
        if (dir.Parent.Name == "Rbdfence.Fencing.ClusterTests" && File.Exists(artifacts))
        {
            return artifacts;
        }

        // The usual build: <repo>/tests/<this>/bin/<Configuration>/<tfm>/.
        string repo = dir.Parent.Parent.Parent!.Parent!.Parent!.FullName;
        string path = Path.Combine(repo, project, "bin", dir.Parent.Name, dir.Name, dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{dll} was not built", path);
    }
}
