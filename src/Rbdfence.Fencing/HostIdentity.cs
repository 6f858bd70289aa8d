using System;
using System.IO;

namespace Rbdfence.Fencing;

/// <summary>
/// Who this host is (hostname and <c>/etc/machine-id</c>) and which boot this is
/// (<c>/proc/sys/kernel/random/boot_id</c>). A lock written by the same machine-id with an
/// older boot-id is stale by definition: that boot is gone.
/// </summary>
public sealed record HostIdentity(string HostName, string MachineId, string BootId)
{
    /// <summary>
    /// Reads the running system's identity. <c>RBDFENCE_HOSTNAME</c>, <c>RBDFENCE_MACHINE_ID</c> and
    /// <c>RBDFENCE_BOOT_ID</c> override each part: several test "hosts" share one kernel here, and
    /// containers may not have their own machine-id.
    /// </summary>
    public static HostIdentity FromSystem(string root = "/")
    {
        string host = Environment.GetEnvironmentVariable("RBDFENCE_HOSTNAME") ?? Environment.MachineName;
        string machine = Environment.GetEnvironmentVariable("RBDFENCE_MACHINE_ID")
            ?? ReadId(Path.Combine(root, "etc/machine-id"));
        string boot = Environment.GetEnvironmentVariable("RBDFENCE_BOOT_ID")
            ?? ReadId(Path.Combine(root, "proc/sys/kernel/random/boot_id"));
        return new HostIdentity(host, machine, boot);
    }

    private static string ReadId(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path).Trim();
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"cannot read {path}: {e.Message}", e);
        }

        // boot_id has dashes, machine-id has none; both are 128-bit ids, compare them without dashes.
        text = text.Replace("-", string.Empty, StringComparison.Ordinal);
        if (text.Length != 32 || !IsHex(text))
        {
            throw new InvalidOperationException($"{path} does not hold a 128-bit id");
        }

        return text;
    }

    private static bool IsHex(string s)
    {
        foreach (char c in s)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
