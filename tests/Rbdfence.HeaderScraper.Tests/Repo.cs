using System;
using System.Diagnostics;
using System.IO;
using System.Text.Json;
using Xunit;

namespace Rbdfence.HeaderScraper.Tests;

/// <summary>Paths the tests share: the repository, the installed headers, the committed metadata.</summary>
internal static class Repo
{
    public const string IncludeRoot = "/usr/include";

    public static string Root { get; } = FindRoot();

    public static string TestData(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no Directory.Build.props above {AppContext.BaseDirectory}");
    }

    /// <summary>The installed Ceph headers are a hard requirement (CI installs librbd-dev): fail, never skip.</summary>
    public static string RequireHeaders()
    {
        foreach (string header in Scraper.Headers)
        {
            string path = Path.Combine(IncludeRoot, header);
            Assert.True(File.Exists(path),
                $"{path} is missing: install librbd-dev and librados-dev (scripts/lib/deps.sh) to run the header scraper tests");
        }
        return IncludeRoot;
    }

    /// <summary>The installed package's Debian version, e.g. 16.2.15+ds-0+deb12u2.</summary>
    public static string PackageVersion(string package)
    {
        var start = new ProcessStartInfo("dpkg-query", ["-W", "-f=${Version}", package]) { RedirectStandardOutput = true };
        using Process query = Process.Start(start)!;
        string version = query.StandardOutput.ReadToEnd().Trim();
        query.WaitForExit();
        Assert.True(query.ExitCode == 0 && version.Length > 0, $"{package} is not installed (scripts/lib/deps.sh)");
        return version;
    }

    /// <summary>16.2.15+ds-0+deb12u2 → 16.2.15, like scripts/regenerate-bindings.</summary>
    public static string InstalledRelease()
    {
        RequireHeaders();
        string version = PackageVersion("librbd-dev");
        version = version[(version.IndexOf(':', StringComparison.Ordinal) + 1)..];
        return version.Split('-')[0].Split('+')[0];
    }

    /// <summary>The --package text scripts/regenerate-bindings passes for the installed headers.</summary>
    public static string InstalledPackageText() =>
        $"librbd-dev {PackageVersion("librbd-dev")}, librados-dev {PackageVersion("librados-dev")}";

    public static string CommittedMetadataPath() =>
        Path.Combine(Root, "bindings", "metadata", $"ceph-{InstalledRelease()}.json");

    public static JsonDocument CommittedMetadata()
    {
        string path = CommittedMetadataPath();
        Assert.True(File.Exists(path), $"{path} is missing: run scripts/regenerate-bindings and commit the result");
        return JsonDocument.Parse(File.ReadAllBytes(path));
    }
}
