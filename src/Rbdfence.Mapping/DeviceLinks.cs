using System;
using System.IO;

namespace Rbdfence.Mapping;

/// <summary>
/// Stable device paths for mount units: <c>&lt;root&gt;/&lt;name&gt;</c> → the mapped device,
/// by default <c>/run/rbdfence/dev/&lt;name&gt;</c>. The name is given by the caller (the
/// systemd-escaped volume spec); it must be a single path component.
/// </summary>
public sealed class DeviceLinks
{
    /// <summary>The production root of the links.</summary>
    public const string DefaultRoot = "/run/rbdfence/dev";

    /// <summary>Creates the helper for links under <paramref name="root"/>.</summary>
    public DeviceLinks(string root = DefaultRoot)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = root;
    }

    /// <summary>The directory holding the links.</summary>
    public string Root { get; }

    /// <summary>The link path for <paramref name="name"/> (whether or not it exists).</summary>
    public string PathFor(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name is "." or ".." || name.Contains('/', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' is not a single path component", nameof(name));
        }

        return Path.Combine(Root, name);
    }

    /// <summary>
    /// Points <c>&lt;root&gt;/&lt;name&gt;</c> at <paramref name="devicePath"/>, replacing any
    /// earlier link atomically (a new link is renamed over the old one). Returns the link path.
    /// </summary>
    public string Create(string name, string devicePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(devicePath);
        string link = PathFor(name);
        Directory.CreateDirectory(Root);
        string temporary = Path.Combine(Root, $".{name}.{Environment.ProcessId}.tmp");
        File.Delete(temporary);
        File.CreateSymbolicLink(temporary, devicePath);
        try
        {
            File.Move(temporary, link, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        return link;
    }

    /// <summary>The device a link points at, or null when there is no such link.</summary>
    public string? Target(string name)
    {
        var info = new FileInfo(PathFor(name));
        return info.LinkTarget;
    }

    /// <summary>
    /// Removes the link. When <paramref name="devicePath"/> is given, removes it only if it
    /// still points there (so that a newer mapping's link is left alone). True when removed.
    /// </summary>
    public bool Remove(string name, string? devicePath = null)
    {
        string link = PathFor(name);
        var info = new FileInfo(link);
        if (info.LinkTarget is null)
        {
            return false;
        }

        if (devicePath is not null && !string.Equals(info.LinkTarget, devicePath, StringComparison.Ordinal))
        {
            return false;
        }

        File.Delete(link);
        return true;
    }
}
