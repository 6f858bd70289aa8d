using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Rbdfence.Interop.Generator.Tests;

public sealed class IncrementalTests
{
    [Fact]
    public void Editing_csharp_code_does_not_regenerate_the_bindings()
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create("Bindings", [CSharpSyntaxTree.ParseText("class A { }", parse)]);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new InteropSourceGenerator().AsSourceGenerator()],
            [new InMemoryAdditionalText(GeneratorHarness.NativeMethodsPath, "rbd_open\n"), new InMemoryAdditionalText("/m/ceph-16.2.15.json", GeneratorHarness.Fixture)],
            parse,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGenerators(compilation);
        driver = driver.RunGenerators(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class B { }", parse)));

        var outputs = driver.GetRunResult().Results.Single().TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).ToList();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }
}
