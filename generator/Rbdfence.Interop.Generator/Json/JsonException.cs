using System;

namespace Rbdfence.Interop.Generator.Json;

/// <summary>A JSON syntax or shape error, with the 1-based line and column where it was found.</summary>
internal sealed class JsonException : Exception
{
    public JsonException(string message, int line, int column)
        : base(message)
    {
        Line = line;
        Column = column;
    }

    public int Line { get; }

    public int Column { get; }
}
