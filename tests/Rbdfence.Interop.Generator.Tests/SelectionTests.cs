using System.Linq;
using Xunit;

namespace Rbdfence.Interop.Generator.Tests;

/// <summary>Exactly the requested items plus the types they need are emitted.</summary>
public sealed class SelectionTests
{
    private static readonly string[] SupportFiles = ["InteropHelpers.g.cs", "Libraries.g.cs", "NativeTypeNameAttribute.g.cs"];

    [Fact]
    public void A_function_brings_only_its_handles()
    {
        var run = GeneratorHarness.Run("rbd_open\n");
        Assert.Empty(run.Diagnostics);
        Assert.Equal(
            SupportFiles.Concat(["Handles.rados_ioctx_t.g.cs", "Handles.rbd_image_t.g.cs", "LibRbd.Functions.g.cs", "LibRbd.Functions.PInvoke.g.cs"]).OrderBy(n => n, System.StringComparer.Ordinal),
            run.HintNames.OrderBy(n => n, System.StringComparer.Ordinal));
        var functions = run.Source("LibRbd.Functions.g.cs");
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(functions, "LibraryImport\\("));
    }

    [Fact]
    public void Callbacks_enums_and_structs_are_pulled_in_transitively()
    {
        var run = GeneratorHarness.Run("rbd_aio_create_completion\nrbd_lock_acquire\nrbd_old_stat\nfixture_snap_ring_t\n");
        Assert.Empty(run.Diagnostics);
        var names = run.HintNames.ToList();
        Assert.Contains("Callbacks.rbd_callback_t.g.cs", names);
        Assert.Contains("Handles.rbd_completion_t.g.cs", names);
        Assert.Contains("Enums.rbd_lock_mode_t.g.cs", names);
        Assert.Contains("Structs.rbd_image_info_t.g.cs", names);
        Assert.Contains("Structs.rbd_snap_info_t.g.cs", names); // element type of fixture_snap_ring_t.snaps
        Assert.DoesNotContain("Structs.obj_watch_t.g.cs", names);
        Assert.DoesNotContain(names, n => n.StartsWith("LibRados", System.StringComparison.Ordinal));
    }

    [Fact]
    public void Library_wildcard_selects_that_library_only()
    {
        var run = GeneratorHarness.Run("librados.*\n");
        Assert.Contains("LibRados.Functions.g.cs", run.HintNames);
        Assert.DoesNotContain("LibRbd.Functions.g.cs", run.HintNames);
        Assert.Contains("EntryPoint = \"rados_write\"", run.Source("LibRados.Functions.g.cs"), System.StringComparison.Ordinal);
    }

    [Fact]
    public void Prefix_wildcard_selects_constants()
    {
        var run = GeneratorHarness.Run("RBD_FEATURE_*\n");
        Assert.Empty(run.Diagnostics);
        var constants = run.Source("LibRbd.Constants.g.cs");
        Assert.Contains("public const ulong RBD_FEATURE_EXCLUSIVE_LOCK = 4UL;", constants, System.StringComparison.Ordinal);
        Assert.Contains("public const ulong RBD_FEATURE_LAYERING = 1UL;", constants, System.StringComparison.Ordinal);
        Assert.DoesNotContain("RBD_FLAG_OBJECT_MAP_INVALID", constants, System.StringComparison.Ordinal);
        Assert.DoesNotContain(run.HintNames, n => n.Contains("Functions", System.StringComparison.Ordinal));
    }

    [Fact]
    public void An_enum_constant_name_selects_its_enum()
    {
        var run = GeneratorHarness.Run("RBD_LOCK_MODE_SHARED\nEVENT_TYPE_PIPE\n");
        Assert.Empty(run.Diagnostics);
        Assert.Contains("Enums.rbd_lock_mode_t.g.cs", run.HintNames);
        Assert.Contains("public const uint EVENT_TYPE_PIPE = 1U;", run.Source("LibRbd.Constants.g.cs"), System.StringComparison.Ordinal);
    }

    [Fact]
    public void Namespace_comes_from_the_build_property()
    {
        var run = GeneratorHarness.Run("rbd_version\n", properties: new() { ["build_property.RbdfenceInteropNamespace"] = "Contoso.Ceph" });
        Assert.All(run.Sources, s => Assert.Contains("namespace Contoso.Ceph;", s.SourceText.ToString(), System.StringComparison.Ordinal));
    }
}
