using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Rbdfence.Interop.Generator.Json;

/// <summary>
/// A small recursive-descent JSON reader (RFC 8259). Analyzers cannot rely on
/// System.Text.Json being loadable inside every compiler host, so the generator parses
/// the metadata itself.
/// </summary>
internal sealed class JsonReader
{
    private const int MaxDepth = 64;

    private readonly string _text;
    private int _pos;
    private int _line = 1;
    private int _lineStart;

    private JsonReader(string text) => _text = text;

    public static JsonNode Parse(string text)
    {
        var reader = new JsonReader(text);
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            reader._pos = 1;
        }

        reader.SkipWhitespace();
        var value = reader.ReadValue(0);
        reader.SkipWhitespace();
        if (reader._pos != text.Length)
        {
            throw reader.Error("unexpected data after the top-level value");
        }

        return value;
    }

    private int Column => _pos - _lineStart + 1;

    private JsonException Error(string message) => new JsonException(message, _line, Column);

    private void SkipWhitespace()
    {
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (c == '\n')
            {
                _pos++;
                _line++;
                _lineStart = _pos;
            }
            else if (c == ' ' || c == '\t' || c == '\r')
            {
                _pos++;
            }
            else
            {
                return;
            }
        }
    }

    private JsonNode ReadValue(int depth)
    {
        if (depth > MaxDepth)
        {
            throw Error("nesting is too deep");
        }

        if (_pos >= _text.Length)
        {
            throw Error("unexpected end of input");
        }

        var line = _line;
        var column = Column;
        var c = _text[_pos];
        switch (c)
        {
            case '{':
                return ReadObject(depth, line, column);
            case '[':
                return ReadArray(depth, line, column);
            case '"':
                return new JsonString(line, column, ReadString());
            case 't':
                ExpectLiteral("true");
                return new JsonBool(line, column, true);
            case 'f':
                ExpectLiteral("false");
                return new JsonBool(line, column, false);
            case 'n':
                ExpectLiteral("null");
                return new JsonNull(line, column);
            default:
                if (c == '-' || (c >= '0' && c <= '9'))
                {
                    return new JsonNumber(line, column, ReadNumber());
                }

                throw Error("unexpected character '" + c + "'");
        }
    }

    private JsonObject ReadObject(int depth, int line, int column)
    {
        _pos++; // '{'
        var properties = new Dictionary<string, JsonNode>(System.StringComparer.Ordinal);
        SkipWhitespace();
        if (Peek() == '}')
        {
            _pos++;
            return new JsonObject(line, column, properties);
        }

        while (true)
        {
            SkipWhitespace();
            if (Peek() != '"')
            {
                throw Error("expected a property name");
            }

            var name = ReadString();
            SkipWhitespace();
            Expect(':');
            SkipWhitespace();
            var value = ReadValue(depth + 1);
            if (properties.ContainsKey(name))
            {
                throw new JsonException("duplicate property '" + name + "'", value.Line, value.Column);
            }

            properties.Add(name, value);
            SkipWhitespace();
            var c = Peek();
            _pos++;
            if (c == '}')
            {
                return new JsonObject(line, column, properties);
            }

            if (c != ',')
            {
                _pos--;
                throw Error("expected ',' or '}'");
            }
        }
    }

    private JsonArray ReadArray(int depth, int line, int column)
    {
        _pos++; // '['
        var items = new List<JsonNode>();
        SkipWhitespace();
        if (Peek() == ']')
        {
            _pos++;
            return new JsonArray(line, column, items);
        }

        while (true)
        {
            SkipWhitespace();
            items.Add(ReadValue(depth + 1));
            SkipWhitespace();
            var c = Peek();
            _pos++;
            if (c == ']')
            {
                return new JsonArray(line, column, items);
            }

            if (c != ',')
            {
                _pos--;
                throw Error("expected ',' or ']'");
            }
        }
    }

    private string ReadString()
    {
        _pos++; // opening quote
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length)
            {
                throw Error("unterminated string");
            }

            var c = _text[_pos++];
            if (c == '"')
            {
                return sb.ToString();
            }

            if (c < ' ')
            {
                _pos--;
                throw Error("control character in string");
            }

            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }

            if (_pos >= _text.Length)
            {
                throw Error("unterminated escape");
            }

            var e = _text[_pos++];
            switch (e)
            {
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case '/': sb.Append('/'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u':
                    if (_pos + 4 > _text.Length
                        || !int.TryParse(_text.Substring(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                    {
                        throw Error("invalid \\u escape");
                    }

                    sb.Append((char)code);
                    _pos += 4;
                    break;
                default:
                    _pos--;
                    throw Error("invalid escape '\\" + e + "'");
            }
        }
    }

    private string ReadNumber()
    {
        var start = _pos;
        if (Peek() == '-')
        {
            _pos++;
        }

        var digits = 0;
        while (_pos < _text.Length && IsNumberChar(_text[_pos]))
        {
            _pos++;
            digits++;
        }

        if (digits == 0)
        {
            throw Error("invalid number");
        }

        return _text.Substring(start, _pos - start);
    }

    private static bool IsNumberChar(char c) =>
        (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';

    private void ExpectLiteral(string literal)
    {
        if (string.CompareOrdinal(_text, _pos, literal, 0, literal.Length) != 0)
        {
            throw Error("invalid literal");
        }

        _pos += literal.Length;
    }

    private void Expect(char c)
    {
        if (Peek() != c)
        {
            throw Error("expected '" + c + "'");
        }

        _pos++;
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';
}
