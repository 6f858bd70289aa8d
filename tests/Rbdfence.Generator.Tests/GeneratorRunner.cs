using System.Collections.Generic;
using System.IO;

namespace Rbdfence.Generator.Tests;

/// <summary>Runs the generator in-process (fast, for most tests) or as the built executable.</summary>
internal static class GeneratorRunner
{
    public sealed record Outcome(int ExitCode, string Log);

    /// <summary>Writes <paramref name="table"/> to a file and generates into <paramref name="output"/>.</summary>
    public static Outcome InProcess(TempDirectory scratch, string table, string output)
    {
        string tablePath = scratch.Join("rbdfencetab");
        File.WriteAllText(tablePath, table);
        return InProcessFromFile(tablePath, output);
    }

    /// <param name="self">The generator's path, as the errors unit runs it (default: where it is installed).</param>
    public static Outcome InProcessFromFile(string tablePath, string output, string self = Generator.InstalledPath)
    {
        var log = new StringWriter { NewLine = "\n" };
        using GeneratorLog generatorLog = GeneratorLog.To(log);
        int code = Generator.Run(output, output, output, tablePath, generatorLog, self);
        return new Outcome(code, log.ToString());
    }

    /// <summary>The real executable, as systemd runs it (three directories), logging to stderr.</summary>
    public static SystemdTools.Result Executable(string tablePath, params string[] directories) =>
        SystemdTools.Run(
            TestPaths.GeneratorExecutable,
            directories,
            new Dictionary<string, string>
            {
                ["RBDFENCE_TAB"] = tablePath,
                // The test's stderr is a pipe: without this the generator would log to /dev/kmsg.
                ["SYSTEMD_LOG_TARGET"] = "console",
            });
}
