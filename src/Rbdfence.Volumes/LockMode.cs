namespace Rbdfence.Volumes;

/// <summary>How the volume is fenced; see docs/DESIGN.md "Two lock modes".</summary>
public enum LockMode
{
    /// <summary>Pick from the image: managed with the exclusive-lock feature, advisory without.</summary>
    Auto,

    /// <summary>Ceph's advisory exclusive lock, cookie naming the host; for images without exclusive-lock.</summary>
    Advisory,

    /// <summary>Ceph's managed exclusive lock, held by whoever does the I/O (krbd <c>exclusive</c>).</summary>
    Managed,
}
