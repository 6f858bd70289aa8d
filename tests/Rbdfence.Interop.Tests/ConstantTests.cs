using System;
using System.Globalization;
using System.Linq;
using System.Reflection;
using Xunit;

namespace Rbdfence.Interop.Tests;

/// <summary>Constants and enums carry clang's values with the right C# types.</summary>
public sealed class ConstantTests
{
    [Fact]
    public void Feature_bits_are_ulong_like_the_ULL_macros()
    {
        Assert.Equal(1UL, LibRbd.RBD_FEATURE_LAYERING);
        Assert.Equal(4UL, LibRbd.RBD_FEATURE_EXCLUSIVE_LOCK);
        Assert.Equal(8UL, LibRbd.RBD_FEATURE_OBJECT_MAP);
        Assert.IsType<ulong>(LibRbd.RBD_FEATURE_EXCLUSIVE_LOCK);
    }

    [Fact]
    public void Spot_checks_match_the_headers()
    {
        Assert.Equal(0u, (uint)rbd_lock_mode_t.RBD_LOCK_MODE_EXCLUSIVE);
        Assert.Equal(1u, (uint)rbd_lock_mode_t.RBD_LOCK_MODE_SHARED);
        Assert.Equal(-1, (int)rbd_image_migration_state_t.RBD_IMAGE_MIGRATION_STATE_UNKNOWN);
        Assert.Equal(96, LibRbd.RBD_MAX_IMAGE_NAME_SIZE);
        Assert.Equal(2u, LibRbd.EVENT_TYPE_EVENTFD); // anonymous enum → constant
        Assert.Equal(typeof(int), Enum.GetUnderlyingType(typeof(rbd_image_migration_state_t)));
    }

    [Fact]
    public void Every_metadata_constant_is_generated_with_its_value()
    {
        foreach (var constant in CephMetadataFile.Constants)
        {
            var name = constant.GetProperty("name").GetString()!;
            var library = constant.GetProperty("header").GetString()!.StartsWith("rados/", StringComparison.Ordinal) ? typeof(LibRados) : typeof(LibRbd);
            var field = library.GetField(name, BindingFlags.Public | BindingFlags.Static);
            Assert.True(field is not null && field.IsLiteral, name + " was not generated as a const in " + library.Name);
            var value = Convert.ToString(field!.GetRawConstantValue(), CultureInfo.InvariantCulture);
            Assert.Equal(constant.GetProperty("value").GetString(), value);
        }
    }

    [Fact]
    public void Every_named_metadata_enum_is_generated_with_its_constants()
    {
        foreach (var e in CephMetadataFile.Enums.Where(e => e.GetProperty("name").GetString()!.Length > 0))
        {
            var name = e.GetProperty("name").GetString()!;
            var type = GeneratedTypes.Find(name);
            Assert.True(type is not null && type.IsEnum, name + " was not generated as an enum");
            foreach (var c in e.GetProperty("constants").EnumerateArray())
            {
                var member = c.GetProperty("name").GetString()!;
                var value = Enum.Parse(type!, member);
                Assert.Equal(c.GetProperty("value").GetString(), Convert.ToString(Convert.ChangeType(value, Enum.GetUnderlyingType(type!), CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
            }
        }
    }
}
