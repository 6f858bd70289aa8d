namespace Rbdfence.Volumes;

/// <summary>The rule managed mode rests on, in one place: which backends hold the managed lock exclusively.</summary>
public static class MapBackendRules
{
    /// <summary>
    /// Whether the backend's map holds the managed lock exclusively (krbd <c>exclusive</c>,
    /// rbd-nbd <c>--exclusive</c>): only such a backend can serve a volume in managed mode.
    /// rbd-fuse hands the lock to any client that asks, so it would fence nothing.
    /// </summary>
    public static bool HoldsLockExclusively(this MapBackend backend) => backend is MapBackend.Krbd or MapBackend.Nbd;
}
