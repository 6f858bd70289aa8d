using System;
using System.Collections.Generic;

namespace Rbdfence.Mapping.Tests;

/// <summary>A kernel keyring stand-in: either accepts keys or answers like a kernel without libceph.</summary>
internal sealed class FakeKernelKeyring : IKernelKeyring
{
    private readonly int _error;
    private int _serial = 100;

    public FakeKernelKeyring(int error = 0)
    {
        _error = error;
    }

    public List<(string Description, byte[] Payload, int Serial)> Added { get; } = new();

    public List<int> Invalidated { get; } = new();

    public int AddCephKey(string description, ReadOnlySpan<byte> payload, out int serial)
    {
        serial = 0;
        if (_error != 0)
        {
            return _error;
        }

        serial = ++_serial;
        Added.Add((description, payload.ToArray(), serial));
        return 0;
    }

    public void Invalidate(int serial) => Invalidated.Add(serial);
}
