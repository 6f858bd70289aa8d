using System;
using System.Globalization;
using System.IO;
using System.Text;
using Rbdfence.Volumes;

namespace Rbdfence.Fencing;

/// <summary>
/// What this host took: the lock's cookie and the Ceph client (entity and address) that
/// holds it, kept in a local state directory that does not survive a reboot
/// (<c>/run/rbdfence/lease</c>). A lock is this host's only when Ceph's locker matches its
/// lease exactly; a cookie alone proves nothing (clones share machine-ids and boot-ids).
/// </summary>
public sealed record Lease(string Cookie, string Client, string Address)
{
    /// <summary>The production state directory.</summary>
    public const string DefaultStateDirectory = "/run/rbdfence";

    /// <summary>The state directory: <c>$RBDFENCE_STATE_DIR</c>, else <see cref="DefaultStateDirectory"/>.</summary>
    public static string StateDirectory =>
        Environment.GetEnvironmentVariable("RBDFENCE_STATE_DIR") is { Length: > 0 } dir ? dir : DefaultStateDirectory;

    /// <summary>
    /// The cookie prefix of a lock its client manages itself (the exclusive-lock feature,
    /// krbd or librbd): <c>auto &lt;watch handle&gt;</c>. Such a client sets a new cookie on its
    /// lock whenever it registers its watch again (after a stall longer than the watch
    /// timeout), so for these the client, entity and address, is who holds the lock.
    /// </summary>
    public const string ManagedCookiePrefix = "auto ";

    /// <summary><see cref="ManagedCookiePrefix"/> as UTF-8, for the guard's allocation-free check.</summary>
    public static ReadOnlySpan<byte> ManagedCookiePrefixUtf8 => "auto "u8;

    /// <summary>Whether <paramref name="cookie"/> is a managed lock's (<see cref="ManagedCookiePrefix"/>).</summary>
    public static bool IsManaged(string cookie) => cookie.StartsWith(ManagedCookiePrefix, StringComparison.Ordinal);

    /// <summary>
    /// Whether <paramref name="locker"/> is this lease: the same client (entity and address)
    /// and the same cookie, or, for a managed lock, any cookie that client set since.
    /// </summary>
    public bool Matches(LockerInfo locker) =>
        locker.Client == Client && locker.Address == Address &&
        (locker.Cookie == Cookie || (IsManaged(Cookie) && IsManaged(locker.Cookie)));

    /// <summary>The lease file of <paramref name="spec"/> under <paramref name="stateDirectory"/>.</summary>
    public static string PathFor(string stateDirectory, VolumeSpec spec) =>
        Path.Combine(stateDirectory, "lease", spec.LeaseFileName);

    /// <summary>Reads the lease, or null when there is none (or it is unreadable: then it proves nothing).</summary>
    public static Lease? Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        string? cookie = null, client = null, address = null;
        foreach (string line in text.Split('\n'))
        {
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            string value = line[(eq + 1)..];
            switch (line[..eq])
            {
                case "cookie": cookie = value; break;
                case "client": client = value; break;
                case "address": address = value; break;
            }
        }

        return cookie is null || client is null || address is null ? null : new Lease(cookie, client, address);
    }

    /// <summary>Writes the lease atomically (a reader sees the old one or the new one), readable by root only.</summary>
    public void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = path + ".new." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(Encoding.UTF8.GetBytes($"cookie={Cookie}\nclient={Client}\naddress={Address}\n"));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Deletes the lease; none there (not even its directory, as on a fresh boot) is not an error.</summary>
    public static void Delete(string path)
    {
        // Checked first, not caught: a missing directory would throw on every release, and
        // the acquire/release cycle must not allocate.
        if (!File.Exists(path))
        {
            return;
        }

        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
