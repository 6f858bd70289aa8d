using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace Rbdfence.Interop.Tests;

/// <summary>Every struct in the metadata has a generated type with clang's size and field offsets.</summary>
public sealed class StructLayoutTests
{
    public static IEnumerable<object[]> MetadataStructs() =>
        CephMetadataFile.Structs.Select(s => new object[] { s.GetProperty("name").GetString()! });

    [Fact]
    public void Metadata_has_structs()
    {
        Assert.True(CephMetadataFile.Structs.Count() >= 10, "the metadata should describe the Ceph structs");
    }

    [Theory]
    [MemberData(nameof(MetadataStructs))]
    public void Generated_struct_matches_metadata_size_and_offsets(string name)
    {
        var type = GeneratedTypes.Find(name);
        Assert.True(type is not null, name + " is in the metadata but no Rbdfence.Interop." + name + " type was generated");
        Assert.True(type!.IsValueType, name + " should be a struct");

        var metadata = CephMetadataFile.Struct(name);
        var size = metadata.GetProperty("size");
        if (size.ValueKind == System.Text.Json.JsonValueKind.Null)
        {
            Assert.Empty(metadata.GetProperty("fields").EnumerateArray());
            return; // opaque: only ever used by pointer
        }

        Assert.Equal(size.GetInt64(), GeneratedTypes.SizeOf(type));
        foreach (var field in metadata.GetProperty("fields").EnumerateArray())
        {
            var fieldName = field.GetProperty("name").GetString()!;
            if (field.TryGetProperty("bitWidth", out var bits) && bits.ValueKind != System.Text.Json.JsonValueKind.Null)
            {
                continue; // C# has no bit-fields; the generator documents them instead
            }

            var generated = GeneratedTypes.Field(type, fieldName);
            Assert.True(generated is not null, name + "." + fieldName + " was not generated");
            Assert.Equal(field.GetProperty("offset").GetInt64(), GeneratedTypes.OffsetOf(type, generated!));
        }
    }

    [Theory]
    [MemberData(nameof(MetadataStructs))]
    public void Generated_struct_is_blittable(string name)
    {
        var type = GeneratedTypes.Find(name);
        Assert.NotNull(type);
        Assert.False(GeneratedTypes.IsReferenceOrContainsReferences(type!), name + " must be unmanaged to cross the P/Invoke boundary unmarshalled");
        Assert.True(type!.IsLayoutSequential || type.IsExplicitLayout, name + " needs a fixed layout");
    }
}
