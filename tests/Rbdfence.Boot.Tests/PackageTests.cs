using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Rbdfence.TestCluster;
using Xunit;
using Xunit.Abstractions;

namespace Rbdfence.Boot.Tests;

/// <summary>
/// The Debian package as an operator meets it: <c>scripts/package</c> builds the .deb (and
/// holds it to lintian) from the fixture's install tree; a host booted without rbdfence
/// installs it with apt, runs the seed scenario on it, refuses to remove it while the volume
/// is up, and after the stop purges it without a trace but the operator's table.
/// </summary>
[Collection(BootCluster.Collection)]
public sealed class PackageTests(BootCluster cluster, ITestOutputHelper output)
{
    // apt may only use the .deb and what is installed: no source is configured, so nothing
    // can be downloaded (the host's namespace has no way out either).
    private const string Apt = "DEBIAN_FRONTEND=noninteractive apt-get -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=/tmp/no-sources";

    [Fact]
    public async Task Apt_installs_the_package_the_seed_scenario_runs_and_purge_leaves_only_the_table()
    {
        var clock = Stopwatch.StartNew();
        string debDir = Directory.CreateDirectory(Path.Join(cluster.Shared, "deb")).FullName;
        CommandResult package = await RepoScripts.RunAsync("package", ["--install", cluster.InstallTree, "--out", debDir], TimeSpan.FromMinutes(10));
        output.WriteLine(package.StdErr);
        Assert.True(package.Succeeded, $"scripts/package failed (lintian included):\n{package}");
        string deb = package.StdOut.Trim().Split('\n')[^1];
        Assert.Matches(@"/rbdfence_[0-9][0-9.]*\+git[0-9]+\.g[0-9a-f]{8}(\.dirty)?-1_amd64\.deb$", deb);
        output.WriteLine($"built {deb} in {clock.Elapsed.TotalSeconds:0} s");

        string volume = await cluster.CreateFormattedImageAsync("pkg");
        string table = cluster.TableLine(volume, Scenario.MountPoint);
        await using BootedHost host = await BootedHost.BootAsync(cluster, 5, table, new BootOptions { WritableOs = true });
        byte[] tableBefore = File.ReadAllBytes(host.Table);
        string service = BootCluster.InstanceOf(volume);

        // Booted without rbdfence: its table means nothing yet.
        Assert.False((await host.RunAsync("sh", "-c", "command -v rbdfence")).Succeeded, "the host has rbdfence before the package");
        Assert.Equal("not-found", await host.PropertyAsync(Scenario.MountUnit, "LoadState"));

        CommandResult install = await host.RunAsync("sh", "-c", $"mkdir -p /tmp/no-sources && cp '{deb}' /tmp/ && {Apt} install -y /tmp/{Path.GetFileName(deb)}");
        output.WriteLine(install.StdOut);
        Assert.True(install.Succeeded, $"apt-get install failed:\n{install}");
        Assert.Contains("Need to get 0 B/", install.StdOut, StringComparison.Ordinal);

        // The postinst's daemon-reload ran the new generator on the table: the volume's units exist.
        Assert.Equal("loaded", await host.PropertyAsync(Scenario.MountUnit, "LoadState"));
        Assert.Equal("loaded", await host.PropertyAsync(service, "LoadState"));
        Assert.Contains("/usr/share/man/man8/rbdfence.8.gz", (await host.RunAsync("man", "-w", "rbdfence")).EnsureSuccess().StdOut, StringComparison.Ordinal);
        Assert.Contains("/usr/share/man/man5/rbdfencetab.5.gz", (await host.RunAsync("man", "-w", "5", "rbdfencetab")).EnsureSuccess().StdOut, StringComparison.Ordinal);

        // The seed scenario: the volume mounts, writable, and this host holds its lock.
        (await host.SystemctlAsync("start", "rbdfence.target")).EnsureSuccess();
        await host.WaitUntilActiveAsync(Scenario.MountUnit, Scenario.BootTimeout, service);
        Assert.StartsWith("rw", (await host.RunAsync("findmnt", "--noheadings", "--output", "OPTIONS", Scenario.MountPoint)).EnsureSuccess().StdOut.Trim(), StringComparison.Ordinal);
        (await host.RunAsync("sh", "-c", $"echo packaged > {Scenario.MountPoint}/proof && sync")).EnsureSuccess();
        Assert.Equal("packaged", (await host.RunAsync("cat", $"{Scenario.MountPoint}/proof")).EnsureSuccess().StdOut.Trim());
        string status = (await host.RunAsync("rbdfence", "status", volume, "--conf", cluster.Cluster.ConfPath)).EnsureSuccess().StdOut;
        Assert.Contains($"held by {host.HostName} ", status, StringComparison.Ordinal);

        // Removal while the volume is up is refused, and touches nothing: still mounted, still installed.
        CommandResult refused = await host.RunAsync("sh", "-c", $"{Apt} remove -y rbdfence");
        Assert.False(refused.Succeeded, $"apt-get remove went through with the volume mounted:\n{refused}");
        Assert.Contains("stop them first", refused.StdOut + refused.StdErr, StringComparison.Ordinal);
        Assert.True(await Scenario.IsMountedAsync(host), "the refused removal unmounted the volume");
        Assert.Equal("active", await host.PropertyAsync(service, "ActiveState"));
        Assert.Equal("install ok installed", (await host.RunAsync("dpkg-query", "-W", "-f", "${Status}", "rbdfence")).EnsureSuccess().StdOut);

        // The operator stops the volume; then purge.
        (await host.SystemctlAsync("stop", "rbdfence.target")).EnsureSuccess();
        Assert.False(await Scenario.IsMountedAsync(host), "still mounted after stopping rbdfence.target");
        Assert.Contains("not locked", (await host.RunAsync("rbdfence", "status", volume, "--conf", cluster.Cluster.ConfPath)).EnsureSuccess().StdOut, StringComparison.Ordinal);
        string[] files = (await host.RunAsync("dpkg", "-L", "rbdfence")).EnsureSuccess().StdOut
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(p => p.Contains("rbdfence", StringComparison.Ordinal)).ToArray();
        Assert.Contains("/usr/bin/rbdfence", files);
        Assert.Contains("/usr/share/bash-completion/completions/rbdfence", files);

        CommandResult purge = await host.RunAsync("sh", "-c", $"{Apt} purge -y rbdfence");
        output.WriteLine(purge.StdOut);
        Assert.True(purge.Succeeded, $"apt-get purge failed:\n{purge}");

        // Nothing of the package is left: its files (and its own directories), dpkg's record, its units.
        string left = (await host.RunAsync(["sh", "-c", "for f in \"$@\"; do [ -e \"$f\" ] && echo \"$f\"; done; ls -d /var/lib/dpkg/info/rbdfence.* 2>/dev/null; true", "sh", .. files])).EnsureSuccess().StdOut;
        Assert.True(left.Length == 0, $"left behind by purge:\n{left}");
        Assert.False((await host.RunAsync("dpkg-query", "-W", "rbdfence")).Succeeded, "dpkg still knows rbdfence");
        // (list-unit-files exits 1 when nothing matches: only what it lists counts.)
        string units = (await host.SystemctlAsync("list-units", "--all", "--plain", "--no-legend", "rbdfence*", Scenario.MountUnit)).StdOut
            + (await host.SystemctlAsync("list-unit-files", "--plain", "--no-legend", "rbdfence*")).StdOut;
        Assert.True(units.Trim().Length == 0, $"systemd still knows rbdfence units:\n{units}");
        Assert.Equal("not-found", await host.PropertyAsync(Scenario.MountUnit, "LoadState"));

        // But the operator's table is there, byte for byte.
        Assert.True((await host.RunAsync("test", "-f", "/etc/ceph/rbdfencetab")).Succeeded, "purge removed /etc/ceph/rbdfencetab");
        Assert.Equal(tableBefore, File.ReadAllBytes(host.Table));
        output.WriteLine($"package test: {clock.Elapsed.TotalSeconds:0} s");
    }
}
