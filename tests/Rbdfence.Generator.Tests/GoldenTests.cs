using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace Rbdfence.Generator.Tests;

/// <summary>
/// golden/rbdfencetab → the generated tree, compared with golden/expected/ file by file and
/// symlink by symlink (as systemd's test-fstab-generator does).
/// Regenerate after an intended change: <c>RBDFENCE_UPDATE_GOLDEN=1 dotnet test tests/Rbdfence.Generator.Tests</c>,
/// then review the diff.
/// </summary>
public class GoldenTests
{
    /// <summary>What SourcePath= says in the golden files: the table's path differs per checkout.</summary>
    private const string TableInGolden = "/etc/ceph/rbdfencetab";

    [Fact]
    public void Representative_table_generates_the_expected_tree()
    {
        using var scratch = new TempDirectory();
        string output = scratch.MakeDirectory("normal");
        string table = Path.Join(TestPaths.Golden, "rbdfencetab");

        GeneratorRunner.Outcome outcome = GeneratorRunner.InProcessFromFile(table, output);

        Assert.Equal(0, outcome.ExitCode);
        string[] errors = outcome.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, errors.Length);
        Assert.Contains(":28: volume rbd/web is already listed on line 7, ignoring", errors[0], StringComparison.Ordinal);
        Assert.Contains(":29: volume 'rbd/snap@monday' names a snapshot", errors[1], StringComparison.Ordinal);

        Dictionary<string, string> actual = Snapshot(output, Path.GetFullPath(table));
        string expectedDirectory = Path.Join(TestPaths.Golden, "expected");
        if (Environment.GetEnvironmentVariable("RBDFENCE_UPDATE_GOLDEN") == "1")
        {
            Regenerate(output, expectedDirectory, Path.GetFullPath(table));
        }

        Dictionary<string, string> expected = Snapshot(expectedDirectory, TableInGolden);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach ((string path, string content) in expected)
        {
            Assert.True(content == actual[path], $"{path} differs from the golden file:\n--- expected\n{content}\n--- actual\n{actual[path]}");
        }
    }

    /// <summary>Every entry of a tree: "dir", "link -> TARGET" or the file's text (table path normalised).</summary>
    private static Dictionary<string, string> Snapshot(string root, string tablePath)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (FileSystemInfo info in new DirectoryInfo(root).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(root, info.FullName);
            if (info.LinkTarget is not null)
            {
                entries[relative] = "link -> " + info.LinkTarget;
            }
            else if (info is DirectoryInfo)
            {
                entries[relative] = "dir";
            }
            else
            {
                entries[relative] = File.ReadAllText(info.FullName)
                    .Replace("SourcePath=" + tablePath + "\n", "SourcePath=" + TableInGolden + "\n", StringComparison.Ordinal)
                    .Replace("\"RBDFENCE_TAB=" + tablePath + "\"", "\"RBDFENCE_TAB=" + TableInGolden + "\"", StringComparison.Ordinal);
            }
        }

        return entries;
    }

    private static void Regenerate(string output, string expectedDirectory, string tablePath)
    {
        if (Directory.Exists(expectedDirectory))
        {
            Directory.Delete(expectedDirectory, recursive: true);
        }

        foreach ((string relative, string entry) in Snapshot(output, tablePath).OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            string path = Path.Join(expectedDirectory, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (entry == "dir")
            {
                Directory.CreateDirectory(path);
            }
            else if (entry.StartsWith("link -> ", StringComparison.Ordinal))
            {
                File.CreateSymbolicLink(path, entry["link -> ".Length..]);
            }
            else
            {
                File.WriteAllText(path, entry);
            }
        }
    }
}
