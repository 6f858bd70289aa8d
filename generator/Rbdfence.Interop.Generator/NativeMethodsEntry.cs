using Microsoft.CodeAnalysis.Text;

namespace Rbdfence.Interop.Generator;

/// <summary>One non-comment line of a NativeMethods.txt file.</summary>
internal sealed class NativeMethodsEntry
{
    public NativeMethodsEntry(string text, string path, TextSpan span, LinePositionSpan lineSpan)
    {
        Text = text;
        Path = path;
        Span = span;
        LineSpan = lineSpan;
    }

    /// <summary>The requested name or pattern, trimmed.</summary>
    public string Text { get; }

    public string Path { get; }

    public TextSpan Span { get; }

    public LinePositionSpan LineSpan { get; }
}
