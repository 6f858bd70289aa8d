using System;
using System.IO;

namespace Rbdfence.TestCluster;

/// <summary>Where another project of this repository put its build output, seen from a test assembly.</summary>
public static class BuiltOutput
{
    /// <summary>
    /// <paramref name="dll"/> of <paramref name="project"/> (a path from the repository root,
    /// e.g. <c>src/Rbdfence.Cli</c>), built with the same configuration as the calling tests.
    /// </summary>
    public static string Find(string project, string dll)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        // A build with --artifacts-path (the release matrix builds one per Ceph release):
        // <artifacts>/bin/<project name>/<configuration>/.
        string artifacts = Path.Combine(dir.Parent!.Parent!.FullName, Path.GetFileName(project), dir.Name, dll);
        if (File.Exists(artifacts))
        {
            return artifacts;
        }

        // The usual build: <repo>/tests/<this>/bin/<Configuration>/<tfm>/.
        string repo = dir.Parent.Parent.Parent!.Parent!.Parent!.FullName;
        string path = Path.Combine(repo, project, "bin", dir.Parent.Name, dir.Name, dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{dll} was not built", path);
    }
}
