using System;

namespace Rbdfence.Mapping;

/// <summary>The kernel key retention service, as far as the krbd backend needs it.</summary>
public interface IKernelKeyring
{
    /// <summary>
    /// Adds a key of type <c>ceph</c> named <paramref name="description"/> with the decoded
    /// secret as payload to the process keyring. Returns 0 and the key's serial, or a
    /// positive errno (<c>ENODEV</c> when the kernel has no <c>ceph</c> key type, i.e.
    /// libceph is not loaded; <c>ENOSYS</c> without keyring support).
    /// </summary>
    int AddCephKey(string description, ReadOnlySpan<byte> payload, out int serial);

    /// <summary>Invalidates (removes) a key added by <see cref="AddCephKey"/>; errors are ignored.</summary>
    void Invalidate(int serial);
}
