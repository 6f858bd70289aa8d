using Rbdfence.TestCluster;

namespace Rbdfence.Fencing.ClusterTests;

/// <summary>The executables this suite runs, from their own build output (same configuration).</summary>
internal static class BuiltTools
{
    public static readonly string Rbdfence = BuiltOutput.Find("src/Rbdfence.Cli", "rbdfence.dll");

    public static readonly string Probe = BuiltOutput.Find("tests/Rbdfence.Interop.Probe", "Rbdfence.Interop.Probe.dll");
}
