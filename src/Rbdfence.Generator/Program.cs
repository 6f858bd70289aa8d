using System;
using System.Runtime.Versioning;

// A systemd generator: Linux only (and the unit files it writes are created 0644).
[assembly: SupportedOSPlatform("linux")]

namespace Rbdfence.Generator;

/// <summary>
/// <c>rbdfence-generator NORMAL-DIR [EARLY-DIR [LATE-DIR]]</c>, as systemd.generator(7) calls
/// it. No network, no other processes, no cluster contact: it only reads the table.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        using GeneratorLog log = GeneratorLog.Open();
        if (args.Length is < 1 or > 3)
        {
            log.Error("usage: rbdfence-generator NORMAL-DIR [EARLY-DIR [LATE-DIR]]");
            return 1;
        }

        try
        {
            return Generator.Run(args[0], args.Length > 1 ? args[1] : args[0], args.Length > 2 ? args[2] : args[0], Generator.TablePath, log);
        }
        catch (Exception e)
        {
            log.Error($"failed: {e.Message}");
            return 1;
        }
    }
}
