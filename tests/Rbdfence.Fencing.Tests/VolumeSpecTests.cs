using System;
using Rbdfence.Fencing;
using Rbdfence.Volumes;
using Xunit;

namespace Rbdfence.Fencing.Tests;

public class VolumeSpecTests
{
    [Theory]
    [InlineData("rbd/vol1", "rbd", "", "vol1", null)]
    [InlineData("rbd/ns1/vol1", "rbd", "ns1", "vol1", null)]
    [InlineData("rbd/ns1/vol1@snap", "rbd", "ns1", "vol1", "snap")]
    [InlineData("pool-a/img.with.dots", "pool-a", "", "img.with.dots", null)]
    public void Parses_the_rbd_spelling(string text, string pool, string ns, string image, string? snap)
    {
        VolumeSpec spec = VolumeSpec.Parse(text);
        Assert.Equal(new VolumeSpec(pool, ns, image, snap), spec);
        Assert.Equal(text, spec.ToString());
    }

    [Theory]
    [InlineData("", "empty volume spec")]
    [InlineData("vol1", "is not a volume spec")]
    [InlineData("a/b/c/d", "is not a volume spec")]
    [InlineData("rbd//vol1", "empty component")]
    [InlineData("/vol1", "empty component")]
    [InlineData("rbd/vol1@", "empty snapshot")]
    [InlineData("rbd/vo\nl1", "control character")]
    public void Rejects_malformed_specs_with_one_line(string text, string reason)
    {
        Assert.False(VolumeSpec.TryParse(text, out _, out string? error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void Any_text_parses_or_says_why_in_one_line()
    {
        // Seeded, so a failure repeats: 20000 specs from separators, controls, unicode and noise.
        const string Alphabet = "rbd/@ns-._x/@,= \t\n\r\0\u0085\u2028\\\"%ü";
        var random = new Random(1414);
        int accepted = 0;
        for (int i = 0; i < 20_000; i++)
        {
            var text = new System.Text.StringBuilder();
            for (int n = random.Next(12); n > 0; n--)
            {
                text.Append(random.Next(20) == 0 ? (char)random.Next(1, 0xd7ff) : Alphabet[random.Next(Alphabet.Length)]);
            }

            string spec = text.ToString();
            if (VolumeSpec.TryParse(spec, out VolumeSpec? parsed, out string? error))
            {
                accepted++;
                Assert.Equal(spec, parsed.ToString());
                Assert.DoesNotContain(parsed.ToString(), char.IsControl);
                Assert.True(parsed.Pool.Length > 0 && parsed.Image.Length > 0 && parsed.Snapshot is not { Length: 0 });
            }
            else
            {
                Assert.DoesNotContain(error, c => char.IsControl(c) || c is '\u2028' or '\u2029');
            }
        }

        Assert.InRange(accepted, 100, 19_000);
    }
}
