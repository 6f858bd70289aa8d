using System;
using System.Collections.Generic;
using System.IO;

namespace Rbdfence.Mapping;

/// <summary>The little of ceph.conf the kernel client needs: the monitors' v1 addresses.</summary>
public static class CephConf
{
    /// <summary>The production default conf.</summary>
    public const string DefaultPath = "/etc/ceph/ceph.conf";

    /// <summary>
    /// The msgr v1 monitor addresses (<c>ip:port</c>) from <c>mon host</c> in the
    /// <c>[global]</c> (or <c>[client]</c>) section of <paramref name="confPath"/>.
    /// </summary>
    public static IReadOnlyList<string> ReadMonAddresses(string confPath)
    {
        string text;
        try
        {
            text = File.ReadAllText(confPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MapException($"cannot read ceph.conf {confPath}: {e.Message}", e);
        }

        string? monHost = FindMonHost(text);
        if (monHost is null)
        {
            throw new MapException($"{confPath} has no 'mon host'; give the monitor addresses explicitly");
        }

        IReadOnlyList<string> addresses = ParseMonHost(monHost);
        return addresses.Count > 0
            ? addresses
            : throw new MapException($"'mon host' in {confPath} names no msgr v1 address the kernel client can use");
    }

    /// <summary>
    /// The keyring for <c>client.&lt;clientId&gt;</c>: the conf's <c>keyring</c> setting
    /// (most specific section wins, <c>$name</c>/<c>$id</c>/<c>$cluster</c> expanded), else the
    /// first existing file of Ceph's default search list. Null when none is found.
    /// </summary>
    public static string? ResolveKeyring(string? confPath, string clientId)
    {
        string name = "client." + clientId;
        var candidates = new List<string>();
        if (confPath is not null && File.Exists(confPath))
        {
            string? configured = FindSetting(File.ReadAllText(confPath), "keyring", name);
            if (configured is not null)
            {
                candidates.AddRange(configured.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            }
        }

        candidates.Add("/etc/ceph/ceph." + name + ".keyring");
        candidates.Add("/etc/ceph/ceph.keyring");
        candidates.Add("/etc/ceph/keyring");
        foreach (string candidate in candidates)
        {
            string path = candidate
                .Replace("$cluster", "ceph", StringComparison.Ordinal)
                .Replace("$name", name, StringComparison.Ordinal)
                .Replace("$id", clientId, StringComparison.Ordinal)
                .Replace("$type", "client", StringComparison.Ordinal);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>The value of <c>mon host</c> / <c>mon_host</c> in [global] or [client], or null.</summary>
    internal static string? FindMonHost(string confText) => FindSetting(confText, "mon host", "client.admin");

    /// <summary>
    /// A setting's value, looked up like Ceph does for one client: <c>[client.id]</c> beats
    /// <c>[client]</c> beats <c>[global]</c>. Names compare with '_' and '-' as spaces.
    /// </summary>
    internal static string? FindSetting(string confText, string setting, string entity)
    {
        string? global = null, client = null, specific = null;
        foreach ((string section, string name, string value) in CephIni.Settings(confText))
        {
            if (!string.Equals(name, setting, StringComparison.Ordinal))
            {
                continue;
            }

            if (section == "global")
            {
                global = value;
            }
            else if (section == "client")
            {
                client = value;
            }
            else if (section == entity)
            {
                specific = value;
            }
        }

        return specific ?? client ?? global;
    }

    /// <summary>
    /// Turns a <c>mon host</c> value into kernel-usable addresses: from each
    /// <c>[v2:a,v1:b]</c> vector the v1 address, plain <c>v1:</c> and untagged addresses as
    /// they are; <c>v2:</c>-only entries are dropped.
    /// </summary>
    internal static IReadOnlyList<string> ParseMonHost(string monHost)
    {
        var result = new List<string>();
        int i = 0;
        while (i < monHost.Length)
        {
            char c = monHost[i];
            if (c is ' ' or ',' or ';' or '\t')
            {
                i++;
                continue;
            }

            if (c == '[')
            {
                int end = monHost.IndexOf(']', i);
                if (end < 0)
                {
                    end = monHost.Length;
                }

                string? v1 = null;
                string? untagged = null;
                foreach (string part in monHost[(i + 1)..end].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (part.StartsWith("v1:", StringComparison.Ordinal))
                    {
                        v1 ??= StripNonce(part[3..]);
                    }
                    else if (!part.StartsWith("v2:", StringComparison.Ordinal))
                    {
                        untagged ??= StripNonce(part);
                    }
                }

                string? chosen = v1 ?? untagged;
                if (chosen is not null)
                {
                    result.Add(chosen);
                }

                i = end + 1;
                continue;
            }

            int stop = i;
            while (stop < monHost.Length && monHost[stop] is not (' ' or ',' or ';' or '\t'))
            {
                stop++;
            }

            string token = monHost[i..stop];
            if (token.StartsWith("v1:", StringComparison.Ordinal))
            {
                result.Add(StripNonce(token[3..]));
            }
            else if (!token.StartsWith("v2:", StringComparison.Ordinal))
            {
                result.Add(StripNonce(token));
            }

            i = stop;
        }

        return result;
    }

    private static string StripNonce(string address)
    {
        int slash = address.IndexOf('/', StringComparison.Ordinal);
        return slash >= 0 ? address[..slash] : address;
    }
}
