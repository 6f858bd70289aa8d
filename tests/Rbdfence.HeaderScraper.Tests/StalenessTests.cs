using System;
using System.IO;
using Xunit;

namespace Rbdfence.HeaderScraper.Tests;

/// <summary>
/// The committed metadata must be exactly what the scraper makes of the installed headers
/// today: this is what fails CI when a header, the scraper or the package changed and
/// scripts/regenerate-bindings was not rerun.
/// </summary>
public sealed class StalenessTests
{
    [Fact]
    public void Scraping_the_installed_headers_reproduces_the_committed_metadata_byte_for_byte()
    {
        string committed = Repo.CommittedMetadataPath();
        Assert.True(File.Exists(committed), $"{committed} is missing: run scripts/regenerate-bindings and commit the result");

        byte[] first = ScrapeInstalled();
        byte[] second = ScrapeInstalled();
        Assert.True(first.AsSpan().SequenceEqual(second), "two scrapes of the same headers differ: the output is not deterministic");
        Assert.True(first.AsSpan().SequenceEqual(File.ReadAllBytes(committed)),
            $"{committed} is stale: it differs from a fresh scrape of {Repo.IncludeRoot}; run scripts/regenerate-bindings");
    }

    private static byte[] ScrapeInstalled()
    {
        string output = Path.Combine(Path.GetTempPath(), $"rbdfence-scrape-{Guid.NewGuid():N}.json");
        try
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int exit = Program.Run(
                ["scrape", "--include-root", Repo.RequireHeaders(), "--release", Repo.InstalledRelease(),
                 "--package", Repo.InstalledPackageText(), "--output", output],
                stdout, stderr);
            Assert.True(exit == 0, $"scrape failed ({exit}): {stderr}");
            return File.ReadAllBytes(output);
        }
        finally
        {
            File.Delete(output);
        }
    }
}
