using System;
using System.Text;

namespace Rbdfence.Mapping;

/// <summary>
/// Names one RBD image (or a snapshot of it): pool, optional namespace, image, optional
/// snapshot. The mapping layer's own small reference, independent of the fencing engine's
/// volume spec.
/// </summary>
/// <param name="Pool">The pool, e.g. <c>rbd</c>.</param>
/// <param name="Namespace">The RADOS namespace inside the pool; empty for the default one.</param>
/// <param name="Image">The image name.</param>
/// <param name="Snapshot">The snapshot name, or null for the image head.</param>
public sealed record VolumeRef(string Pool, string Namespace, string Image, string? Snapshot = null)
{
    /// <summary>Creates a reference to an image head in the default namespace.</summary>
    public VolumeRef(string pool, string image)
        : this(pool, string.Empty, image, null)
    {
    }

    /// <summary>Throws <see cref="ArgumentException"/> when a part is empty or contains characters no backend can pass on.</summary>
    public void Validate()
    {
        Check(Pool, nameof(Pool), allowEmpty: false);
        Check(Namespace, nameof(Namespace), allowEmpty: true);
        Check(Image, nameof(Image), allowEmpty: false);
        if (Snapshot is not null)
        {
            Check(Snapshot, nameof(Snapshot), allowEmpty: false);
        }
    }

    /// <summary><c>pool/[namespace/]image[@snapshot]</c>, the form <c>rbd</c> and <c>rbd-nbd</c> take.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder();
        builder.Append(Pool).Append('/');
        if (Namespace.Length > 0)
        {
            builder.Append(Namespace).Append('/');
        }

        builder.Append(Image);
        if (Snapshot is not null)
        {
            builder.Append('@').Append(Snapshot);
        }

        return builder.ToString();
    }

    private static void Check(string? value, string name, bool allowEmpty)
    {
        if (value is null || (!allowEmpty && value.Length == 0))
        {
            throw new ArgumentException($"the volume's {name.ToLowerInvariant()} must not be empty", name);
        }

        foreach (char c in value)
        {
            // Whitespace separates the fields of the kernel's add string, ',' and '=' its
            // options, '/' and '@' the parts of a spec; control characters are never names.
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '/' or '@' or ',' or '=')
            {
                throw new ArgumentException(
                    $"the volume's {name.ToLowerInvariant()} '{value}' contains '{c}', which cannot be passed to a map backend", name);
            }
        }
    }
}
