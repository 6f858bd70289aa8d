namespace Rbdfence.Interop.Generator;

/// <summary>One hint file of output.</summary>
internal sealed class GeneratedSource
{
    public GeneratedSource(string hintName, string text) => (HintName, Text) = (hintName, text);

    public string HintName { get; }

    public string Text { get; }
}
