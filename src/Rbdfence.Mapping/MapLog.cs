namespace Rbdfence.Mapping;

/// <summary>How loud a backend message is.</summary>
public enum MapLogLevel
{
    /// <summary>Step-by-step detail.</summary>
    Debug,

    /// <summary>Something happened that an operator may want to see.</summary>
    Information,

    /// <summary>Something went wrong but was handled (e.g. cleanup after a failure).</summary>
    Warning,
}

/// <summary>
/// Receives the backends' log lines. Backends never pass a secret to it: the krbd add
/// string is logged with its <c>secret=</c> redacted.
/// </summary>
public delegate void MapLog(MapLogLevel level, string message);
