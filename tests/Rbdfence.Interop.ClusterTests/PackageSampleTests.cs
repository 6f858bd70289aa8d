using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;

namespace Rbdfence.Interop.ClusterTests;

/// <summary>
/// The bindings as a product: <c>scripts/pack-bindings</c> makes the NuGet package, and
/// <c>samples/RbdLockSample</c>, copied out of the repository as another project would be,
/// restores it from a local feed alone (its own package folder, so no cached copy of an
/// older pack is used) and runs against the test cluster.
/// </summary>
[Collection(CephClusterFixture.Collection)]
public sealed class PackageSampleTests(CephClusterFixture fixture)
{
    private static readonly TimeSpan DotnetTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task The_packed_bindings_serve_the_sample_from_a_local_feed_against_the_cluster()
    {
        string repo = RepoRoot.Find();
        DirectoryInfo work = Directory.CreateTempSubdirectory("rbdfence-package-sample-");
        try
        {
            string feed = Path.Combine(work.FullName, "feed");
            CommandResult pack = (await Processes.RunAsync(
                Path.Combine(repo, "scripts", "pack-bindings"), ["--out", feed], DotnetTimeout)).EnsureSuccess();
            string package = pack.StdOut.Trim();
            Assert.Equal(Path.Combine(feed, "Rbdfence.Interop.16.2.15.1.nupkg"), package);
            using (ZipArchive zip = ZipFile.OpenRead(package))
            {
                string[] entries = [.. zip.Entries.Select(e => e.FullName)];
                Assert.Contains("README.md", entries);
                Assert.Contains("lib/net10.0/Rbdfence.Interop.dll", entries);
                Assert.Contains("metadata/ceph-16.2.15.json", entries);
                using var nuspec = new StreamReader(zip.GetEntry("Rbdfence.Interop.nuspec")!.Open());
                string text = await nuspec.ReadToEndAsync();
                // The source generator built the code; consumers must not inherit it.
                Assert.DoesNotContain("<dependency", text, StringComparison.Ordinal);
            }

            // The sample and the props that cut it off from the repository's build.
            string samples = Path.Combine(work.FullName, "samples");
            Directory.CreateDirectory(Path.Combine(samples, "RbdLockSample"));
            foreach (string file in new[] { "Directory.Build.props", "Directory.Packages.props", "RbdLockSample/RbdLockSample.csproj", "RbdLockSample/Program.cs" })
            {
                File.Copy(Path.Combine(repo, "samples", file), Path.Combine(samples, file));
            }

            CommandResult run = await Processes.RunAsync("dotnet",
            [
                "run", "--project", Path.Combine(samples, "RbdLockSample"),
                $"-p:RestoreSources={feed}", $"-p:RestorePackagesPath={Path.Combine(work.FullName, "packages")}",
                "--", fixture.ConfPath, "rbd",
            ], DotnetTimeout);
            Assert.True(run.ExitCode == 0, $"the sample failed (exit {run.ExitCode}):\n{run.StdOut}\n{run.StdErr}");
            Assert.Contains("bindings generated for librbd 1.16.0", run.StdOut, StringComparison.Ordinal);
            string ok = Assert.Single(run.StdOut.Split('\n'), l => l.StartsWith("ok: ", StringComparison.Ordinal));
            string image = ok["ok: ".Length..ok.IndexOf(':', 4)];
            Assert.StartsWith("rbdlocksample-", image, StringComparison.Ordinal);

            // What it created, it removed.
            CommandResult ls = (await fixture.RbdAsync("ls", "rbd")).EnsureSuccess();
            Assert.DoesNotContain(image, ls.StdOut, StringComparison.Ordinal);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
