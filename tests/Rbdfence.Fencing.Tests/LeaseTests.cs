using System;
using System.IO;
using Rbdfence.Fencing;
using Rbdfence.Volumes;
using Xunit;

namespace Rbdfence.Fencing.Tests;

/// <summary>The lease file: what this host took, kept in a state directory that a reboot empties.</summary>
public sealed class LeaseTests : IDisposable
{
    private readonly string _state = Path.Combine(Path.GetTempPath(), "rbdfence-lease-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_state))
        {
            Directory.Delete(_state, recursive: true);
        }
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void A_lease_reads_back_what_was_written_and_is_gone_after_delete()
    {
        string path = Lease.PathFor(_state, VolumeSpec.Parse("rbd/tenant/vol1"));
        var lease = new Lease("rbdfence host=a", "client.4121", "10.77.0.2:0/123");
        lease.Write(path);

        Assert.Equal(lease, Lease.Read(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Lease.Delete(path);
        Assert.Null(Lease.Read(path));
    }

    [Fact]
    public void Deleting_a_lease_whose_state_directory_does_not_exist_yet_is_not_an_error()
    {
        // A release on a freshly booted host, before anything created /run/rbdfence/lease.
        string path = Lease.PathFor(_state, VolumeSpec.Parse("rbd/vol1"));
        Lease.Delete(path);
        Assert.False(Directory.Exists(_state));
    }
}
