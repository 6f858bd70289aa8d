using System;

namespace Rbdfence.Interop.Generator;

/// <summary>Thrown while mapping a C type the generator has no C# shape for.</summary>
internal sealed class UnmappableTypeException : Exception
{
    public UnmappableTypeException(string message)
        : base(message)
    {
    }
}
