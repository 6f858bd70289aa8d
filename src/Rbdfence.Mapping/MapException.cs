using System;

namespace Rbdfence.Mapping;

/// <summary>A map, find or unmap operation failed. Messages never contain a secret.</summary>
public class MapException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MapException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public MapException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public MapException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
