using Rbdfence.Interop.Generator.Json;
using Xunit;

namespace Rbdfence.Interop.Generator.Tests;

public sealed class JsonReaderTests
{
    [Fact]
    public void Reads_objects_arrays_strings_numbers_and_literals()
    {
        var root = Assert.IsType<JsonObject>(JsonReader.Parse("{\"a\": [1, -2, true, false, null], \"s\": \"x\\\"\\u0041\\n\"}"));
        var array = Assert.IsType<JsonArray>(root.Properties["a"]);
        Assert.Equal("-2", Assert.IsType<JsonNumber>(array.Items[1]).Text);
        Assert.True(Assert.IsType<JsonBool>(array.Items[2]).Value);
        Assert.IsType<JsonNull>(array.Items[4]);
        Assert.Equal("x\"A\n", Assert.IsType<JsonString>(root.Properties["s"]).Value);
    }

    [Theory]
    [InlineData("{\"a\": }", 1, 7)]
    [InlineData("[1,\n 2", 2, 3)]
    [InlineData("{\"a\": 1, \"a\": 2}", 1, 15)]
    [InlineData("\"abc", 1, 5)]
    [InlineData("{} x", 1, 4)]
    public void Errors_carry_line_and_column(string text, int line, int column)
    {
        var ex = Assert.Throws<JsonException>(() => JsonReader.Parse(text));
        Assert.Equal((line, column), (ex.Line, ex.Column));
    }
}
