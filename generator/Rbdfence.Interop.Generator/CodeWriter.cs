using System.Text;

namespace Rbdfence.Interop.Generator;

/// <summary>Indenting text writer; always LF line endings so output is byte-identical everywhere.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _sb = new();
    private int _indent;

    public void Line(string text = "")
    {
        if (text.Length > 0)
        {
            _sb.Append(' ', _indent * 4);
            _sb.Append(text);
        }

        _sb.Append('\n');
    }

    public void Open(string text)
    {
        Line(text);
        OpenBrace();
    }

    public void OpenBrace()
    {
        Line("{");
        _indent++;
    }

    public void Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
    }

    public override string ToString() => _sb.ToString();
}
