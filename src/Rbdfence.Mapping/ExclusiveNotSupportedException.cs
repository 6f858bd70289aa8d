using System;

namespace Rbdfence.Mapping;

/// <summary>
/// Managed (exclusive) mode was requested from a backend whose data path cannot hold the
/// image's managed exclusive lock. Nothing was mapped.
/// </summary>
public sealed class ExclusiveNotSupportedException : MapException
{
    /// <summary>Creates the exception.</summary>
    public ExclusiveNotSupportedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ExclusiveNotSupportedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ExclusiveNotSupportedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
