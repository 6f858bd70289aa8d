using System.Linq;
using System.Text.Json;
using Xunit;

namespace Rbdfence.HeaderScraper.Tests;

/// <summary>Known facts about the librbd/librados C API, checked in the committed metadata.</summary>
public sealed class SpotCheckTests
{
    private static JsonElement Find(JsonDocument metadata, string kind, string name) =>
        metadata.RootElement.GetProperty(kind).EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);

    [Fact]
    public void Rbd_lock_exclusive_has_its_exact_signature()
    {
        using JsonDocument metadata = Repo.CommittedMetadata();
        JsonElement f = Find(metadata, "functions", "rbd_lock_exclusive");
        Assert.Equal("int rbd_lock_exclusive(rbd_image_t image, const char *cookie)", f.GetProperty("signature").GetString());
        Assert.Equal("librbd", f.GetProperty("library").GetString());
        Assert.Equal("rbd/librbd.h", f.GetProperty("header").GetString());
        JsonElement cookie = f.GetProperty("parameters")[1].GetProperty("type");
        Assert.Equal("pointer", cookie.GetProperty("kind").GetString());
        Assert.True(cookie.GetProperty("pointee").GetProperty("const").GetBoolean());
    }

    [Fact]
    public void Size_t_parameters_resolve_to_unsigned_long_not_int()
    {
        // Without the compiler's builtin include dir clang silently turns size_t into int.
        using JsonDocument metadata = Repo.CommittedMetadata();
        JsonElement infosize = Find(metadata, "functions", "rbd_stat").GetProperty("parameters")[2].GetProperty("type");
        Assert.Equal("typedef", infosize.GetProperty("kind").GetString());
        Assert.Equal("size_t", infosize.GetProperty("name").GetString());
        Assert.Equal("unsigned long", infosize.GetProperty("canonical").GetProperty("name").GetString());
        Assert.Equal(8, infosize.GetProperty("canonical").GetProperty("size").GetInt32());

        JsonElement lenp = Find(metadata, "functions", "rbd_list").GetProperty("parameters")[2].GetProperty("type");
        Assert.Equal("size_t *", lenp.GetProperty("c").GetString());
        Assert.Equal("unsigned long", lenp.GetProperty("pointee").GetProperty("canonical").GetProperty("name").GetString());
    }

    [Fact]
    public void Feature_bits_are_evaluated_by_clang()
    {
        using JsonDocument metadata = Repo.CommittedMetadata();
        JsonElement exclusiveLock = Find(metadata, "constants", "RBD_FEATURE_EXCLUSIVE_LOCK");
        Assert.Equal("4", exclusiveLock.GetProperty("value").GetString());
        Assert.Equal("(1ULL<<2)", exclusiveLock.GetProperty("expression").GetString());
        Assert.Equal("unsigned long long", exclusiveLock.GetProperty("type").GetProperty("name").GetString());
        Assert.Equal("18446744073709551614", Find(metadata, "constants", "LIBRADOS_SNAP_HEAD").GetProperty("value").GetString());
        Assert.DoesNotContain(metadata.RootElement.GetProperty("constants").EnumerateArray(),
            c => c.GetProperty("name").GetString() is "CEPH_LIBRBD_H" or "CEPH_RBD_API" or "RBD_FEATURE_NAME_LAYERING" or "LIBRBD_VERSION");
    }

    [Fact]
    public void Rbd_image_info_t_has_clangs_layout()
    {
        using JsonDocument metadata = Repo.CommittedMetadata();
        JsonElement info = Find(metadata, "structs", "rbd_image_info_t");
        Assert.Equal(160, info.GetProperty("size").GetInt32());
        Assert.Equal(8, info.GetProperty("align").GetInt32());
        var fields = info.GetProperty("fields").EnumerateArray()
            .Select(f => (f.GetProperty("name").GetString(), f.GetProperty("offset").GetInt32())).ToArray();
        Assert.Equal(
            [("size", 0), ("obj_size", 8), ("num_objs", 16), ("order", 24), ("block_name_prefix", 28), ("parent_pool", 56), ("parent_name", 64)],
            fields);
        JsonElement prefix = info.GetProperty("fields")[4].GetProperty("type");
        Assert.Equal("array", prefix.GetProperty("kind").GetString());
        Assert.Equal(24, prefix.GetProperty("length").GetInt32());
    }

    [Fact]
    public void Enums_callbacks_and_deprecation_are_recorded()
    {
        using JsonDocument metadata = Repo.CommittedMetadata();
        JsonElement lockMode = Find(metadata, "enums", "rbd_lock_mode_t");
        Assert.Equal(["RBD_LOCK_MODE_EXCLUSIVE=0", "RBD_LOCK_MODE_SHARED=1"],
            lockMode.GetProperty("constants").EnumerateArray()
                .Select(c => $"{c.GetProperty("name").GetString()}={c.GetProperty("value").GetString()}").ToArray());

        JsonElement callback = Find(metadata, "callbacks", "rbd_callback_t");
        Assert.Equal("void", callback.GetProperty("returns").GetProperty("kind").GetString());
        Assert.Equal(["cb", "arg"], callback.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToArray());

        Assert.True(Find(metadata, "functions", "rados_blacklist_add").GetProperty("deprecated").GetBoolean());
        Assert.False(Find(metadata, "functions", "rados_blocklist_add").GetProperty("deprecated").GetBoolean());
        Assert.Equal("int rbd_diff_iterate2(rbd_image_t image, const char *fromsnapname, uint64_t ofs, uint64_t len, " +
            "uint8_t include_parent, uint8_t whole_object, int (*cb)(uint64_t, size_t, int, void *), void *arg)",
            Find(metadata, "functions", "rbd_diff_iterate2").GetProperty("signature").GetString());
    }
}
