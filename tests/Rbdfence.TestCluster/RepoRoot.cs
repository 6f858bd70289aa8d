using System;
using System.IO;

namespace Rbdfence.TestCluster;

/// <summary>Finds the repository root: the nearest directory above the test binaries with
/// Directory.Build.props and scripts/ceph-cluster (or $RBDFENCE_REPO_ROOT).</summary>
public static class RepoRoot
{
    /// <summary>The repository root; throws when there is none above the binaries.</summary>
    public static string Find()
    {
        string? overridden = System.Environment.GetEnvironmentVariable("RBDFENCE_REPO_ROOT");
        if (!string.IsNullOrEmpty(overridden))
        {
            return overridden;
        }

        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props"))
                && File.Exists(Path.Combine(dir.FullName, "scripts", "ceph-cluster")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"no repository root (Directory.Build.props + scripts/ceph-cluster) above {AppContext.BaseDirectory}");
    }
}
