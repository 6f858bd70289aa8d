using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Versioning;

[assembly: SupportedOSPlatform("linux")]

namespace Rbdfence.Generator.Tests;

/// <summary>Source-tree locations (baked in at build time) and throwaway directories.</summary>
internal static class TestPaths
{
    public static string Golden => Metadata("GoldenDirectory");

    public static string Units => Metadata("UnitsDirectory");

    /// <summary>The built <c>rbdfence-generator</c> (the apphost next to the test assembly).</summary>
    public static string GeneratorExecutable => Path.Join(AppContext.BaseDirectory, "rbdfence-generator");

    private static string Metadata(string key) =>
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException(key);
}

/// <summary>A directory under /tmp that is removed when disposed.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("rbdfence-generator-tests.").FullName;
    }

    public string Path { get; }

    public string Join(params string[] parts) => System.IO.Path.Join([Path, .. parts]);

    public string MakeDirectory(string name) => Directory.CreateDirectory(Join(name)).FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
