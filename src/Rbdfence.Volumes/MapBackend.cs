namespace Rbdfence.Volumes;

/// <summary>How the image becomes a block device (the <c>backend=</c> option; <c>rbdfence hold --backend</c>).</summary>
public enum MapBackend
{
    /// <summary>The kernel RBD client; holds the managed lock exclusively with <c>-o exclusive</c>.</summary>
    Krbd,

    /// <summary><c>rbd-nbd</c>; holds the managed lock exclusively with <c>--exclusive</c>.</summary>
    Nbd,

    /// <summary><c>rbd-fuse</c> and a loop device; hands the managed lock to any client that asks.</summary>
    Fuse,
}
