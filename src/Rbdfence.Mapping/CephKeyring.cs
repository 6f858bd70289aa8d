using System;
using System.IO;

namespace Rbdfence.Mapping;

/// <summary>Reads a client's secret from a Ceph keyring file (<c>[client.x]</c> / <c>key = …</c>).</summary>
public static class CephKeyring
{
    /// <summary>
    /// The base64 <c>key</c> of <c>client.&lt;clientId&gt;</c> in <paramref name="keyringPath"/>.
    /// Throws <see cref="MapException"/> (naming the file and entity, never the key) when absent.
    /// </summary>
    public static string ReadKey(string keyringPath, string clientId)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyringPath);
        ArgumentException.ThrowIfNullOrEmpty(clientId);
        string entity = "client." + clientId;
        string text;
        try
        {
            text = File.ReadAllText(keyringPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MapException($"cannot read keyring {keyringPath}: {e.Message}", e);
        }

        string? key = FindKey(text, entity);
        return key ?? throw new MapException($"keyring {keyringPath} has no key for {entity}");
    }

    /// <summary>The <c>key</c> of <paramref name="entity"/> in keyring text, or null.</summary>
    internal static string? FindKey(string keyringText, string entity)
    {
        bool inSection = false;
        foreach (string rawLine in keyringText.Split('\n'))
        {
            string line = rawLine.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                int end = line.IndexOf(']', StringComparison.Ordinal);
                string section = end > 0 ? line[1..end].Trim() : string.Empty;
                inSection = string.Equals(section, entity, StringComparison.Ordinal);
                continue;
            }

            if (!inSection)
            {
                continue;
            }

            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            string name = line[..equals].Trim();
            if (string.Equals(name, "key", StringComparison.Ordinal))
            {
                string value = line[(equals + 1)..].Trim();
                return value.Length > 0 ? value : null;
            }
        }

        return null;
    }
}
