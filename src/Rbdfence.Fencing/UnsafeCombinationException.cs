using System;

namespace Rbdfence.Fencing;

/// <summary>A lock mode, image and data path that cannot fence safely together; the message says why and what to do.</summary>
public sealed class UnsafeCombinationException(string message) : Exception(message);
