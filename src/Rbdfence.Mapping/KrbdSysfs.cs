using System;
using System.Collections.Generic;
using System.IO;
using Rbdfence.Volumes;

namespace Rbdfence.Mapping;

/// <summary>One krbd device as <c>/sys/bus/rbd/devices/&lt;id&gt;/</c> describes it.</summary>
/// <param name="Id">The device id: <c>3</c> for <c>/dev/rbd3</c>.</param>
/// <param name="Volume">Its pool, namespace, image and snapshot.</param>
internal sealed record KrbdDeviceInfo(string Id, VolumeSpec Volume);

/// <summary>The kernel Ceph client behind a krbd device.</summary>
/// <param name="Entity">As Ceph prints it: <c>client.4123</c> (sysfs says <c>client4123</c>).</param>
/// <param name="Address">Its address with nonce, <c>10.0.0.9:0/12345</c>: what a fence blocklists and what <c>rbd lock ls</c> shows.</param>
public sealed record KrbdClient(string Entity, string Address);

/// <summary>Reads and writes the krbd sysfs interface under a configurable root.</summary>
internal sealed class KrbdSysfs
{
    public KrbdSysfs(string busRoot)
    {
        BusRoot = busRoot;
    }

    /// <summary>The <c>/sys/bus/rbd</c> directory (or a test's stand-in).</summary>
    public string BusRoot { get; }

    public bool Present => Directory.Exists(BusRoot);

    /// <summary><c>add_single_major</c> when the module offers it, else the legacy <c>add</c>.</summary>
    public string AddFile => Pick("add_single_major", "add");

    /// <summary><c>remove_single_major</c> when the module offers it, else the legacy <c>remove</c>.</summary>
    public string RemoveFile => Pick("remove_single_major", "remove");

    public IReadOnlyList<KrbdDeviceInfo> Devices()
    {
        var result = new List<KrbdDeviceInfo>();
        string devices = Path.Combine(BusRoot, "devices");
        if (!Directory.Exists(devices))
        {
            return result;
        }

        foreach (string dir in Directory.EnumerateDirectories(devices))
        {
            string id = Path.GetFileName(dir);
            if (id.Length == 0 || !ulong.TryParse(id, out _))
            {
                continue;
            }

            // A device being removed can vanish between listing and reading.
            string? pool = Attribute(dir, "pool");
            string? image = Attribute(dir, "name");
            if (pool is null || image is null)
            {
                continue;
            }

            string ns = Attribute(dir, "pool_ns") ?? string.Empty;
            string? snap = Attribute(dir, "current_snap");
            if (snap is null or KrbdAddCommand.HeadSnapshot)
            {
                snap = null;
            }

            result.Add(new KrbdDeviceInfo(id, new VolumeSpec(pool, ns, image, snap)));
        }

        result.Sort((a, b) => ulong.Parse(a.Id).CompareTo(ulong.Parse(b.Id)));
        return result;
    }

    /// <summary>The client of device <paramref name="id"/>; null when the device (or the attributes, old kernels) are missing.</summary>
    public KrbdClient? Client(string id)
    {
        string dir = Path.Combine(BusRoot, "devices", id);
        string? entity = Attribute(dir, "client_id");
        string? address = Attribute(dir, "client_addr");
        if (entity is null || address is null)
        {
            return null;
        }

        // sysfs prints "client4123"; Ceph's tools and lock lists say "client.4123".
        if (entity.StartsWith("client", StringComparison.Ordinal) && !entity.StartsWith("client.", StringComparison.Ordinal))
        {
            entity = "client." + entity["client".Length..];
        }

        return new KrbdClient(entity, address);
    }

    /// <summary>The block device number of device <paramref name="id"/> as udev names it (<c>252:16</c>); null when unknown.</summary>
    public string? DeviceNumber(string id)
    {
        string dir = Path.Combine(BusRoot, "devices", id);
        string? major = Attribute(dir, "major");
        string? minor = Attribute(dir, "minor");
        return major is null || minor is null ? null : $"{major}:{minor}";
    }

    /// <summary>Writes <paramref name="content"/> to a control file with one write(2) call.</summary>
    public static void WriteControl(string path, ReadOnlySpan<byte> content)
    {
        using Microsoft.Win32.SafeHandles.SafeFileHandle handle =
            File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        RandomAccess.Write(handle, content, 0);
    }

    private static string? Attribute(string dir, string name)
    {
        try
        {
            return File.ReadAllText(Path.Combine(dir, name)).TrimEnd('\n');
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private string Pick(string preferred, string legacy)
    {
        string path = Path.Combine(BusRoot, preferred);
        if (File.Exists(path))
        {
            return path;
        }

        string fallback = Path.Combine(BusRoot, legacy);
        return File.Exists(fallback) ? fallback : path;
    }
}
