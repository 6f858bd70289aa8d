using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Rbdfence.HeaderScraper.Tests;

/// <summary>
/// A second oracle for the signature text: gcc (not clang) compiles the headers followed by
/// every recorded signature as a redeclaration; "conflicting types" means the text is wrong.
/// </summary>
public sealed class SignatureCompileTests
{
    [Fact]
    public void Every_signature_redeclares_its_function_under_gcc()
    {
        using JsonDocument metadata = Repo.CommittedMetadata();
        var source = new StringBuilder();
        foreach (string header in Scraper.Headers)
        {
            source.Append($"#include <{header}>\n");
        }
        foreach (JsonElement function in metadata.RootElement.GetProperty("functions").EnumerateArray())
        {
            source.Append(function.GetProperty("signature").GetString()).Append(";\n");
        }

        string file = Path.Combine(Path.GetTempPath(), $"rbdfence-signatures-{Guid.NewGuid():N}.c");
        File.WriteAllText(file, source.ToString());
        try
        {
            var start = new ProcessStartInfo("gcc", ["-fsyntax-only", "-Wno-deprecated-declarations", "-Werror", "-isystem", Repo.RequireHeaders(), file])
            {
                RedirectStandardError = true,
            };
            using Process gcc = Process.Start(start)!;
            string errors = gcc.StandardError.ReadToEnd();
            gcc.WaitForExit();
            Assert.True(gcc.ExitCode == 0, "gcc rejects the recorded signatures:\n" + string.Join('\n', errors.Split('\n').Take(30)));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
