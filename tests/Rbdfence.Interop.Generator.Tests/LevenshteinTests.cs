using Xunit;

namespace Rbdfence.Interop.Generator.Tests;

public sealed class LevenshteinTests
{
    [Theory]
    [InlineData("", "", 0)]
    [InlineData("abc", "", 3)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("rbd_lok_exclusive", "rbd_lock_exclusive", 1)]
    [InlineData("RBD_OPEN", "rbd_open", 0)]
    public void Distance(string a, string b, int expected) => Assert.Equal(expected, Levenshtein.Distance(a, b));

    [Fact]
    public void Closest_prefers_the_nearest_then_the_ordinal_smallest()
    {
        Assert.Equal("rbd_lock_exclusive", Levenshtein.Closest("rbd_lok_exclusive", ["rbd_lock_shared", "rbd_lock_exclusive", "rbd_open"]));
        Assert.Equal("ab", Levenshtein.Closest("aa", ["ba", "ab"]));
        Assert.Null(Levenshtein.Closest("zzzzzzzz", ["rbd_open"]));
    }
}
