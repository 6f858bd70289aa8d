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
        // Before any section header nothing belongs to an entity.
        foreach ((string section, string name, string value) in CephIni.Settings(keyringText, firstSection: string.Empty))
        {
            if (string.Equals(section, entity, StringComparison.Ordinal) && string.Equals(name, "key", StringComparison.Ordinal))
            {
                return value.Length > 0 ? value : null;
            }
        }

        return null;
    }
}
