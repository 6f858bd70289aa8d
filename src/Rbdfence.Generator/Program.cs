using System;
using System.Runtime.Versioning;

// A systemd generator: Linux only (and the unit files it writes are created 0644).
[assembly: SupportedOSPlatform("linux")]

namespace Rbdfence.Generator;

/// <summary>
/// <c>rbdfence-generator NORMAL-DIR [EARLY-DIR [LATE-DIR]]</c>, as systemd.generator(7) calls
/// it. No network, no other processes, no cluster contact: it only reads the table.
/// <c>rbdfence-generator --check [TABLE]</c> checks a table and writes nothing.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] is "--check" or "-h" or "--help")
        {
            return args[0] == "--check" && args.Length <= 2
                ? Generator.Check(args.Length == 2 ? args[1] : Generator.TablePath, Console.Error)
                : Usage(args[0] == "--check" ? Console.Error : Console.Out, args[0] == "--check" ? 64 : 0);
        }

        using GeneratorLog log = GeneratorLog.Open();
        if (args.Length is < 1 or > 3)
        {
            log.Error("usage: rbdfence-generator NORMAL-DIR [EARLY-DIR [LATE-DIR]]");
            return 1;
        }

        try
        {
            return Generator.Run(args[0], args.Length > 1 ? args[1] : args[0], args.Length > 2 ? args[2] : args[0], Generator.TablePath, log,
                Environment.ProcessPath ?? Generator.InstalledPath);
        }
        catch (Exception e)
        {
            log.Error($"failed: {e.Message}");
            return 1;
        }
    }

    private static int Usage(System.IO.TextWriter to, int code)
    {
        to.WriteLine("""
            usage: rbdfence-generator NORMAL-DIR [EARLY-DIR [LATE-DIR]]
                   rbdfence-generator --check [TABLE]

            A systemd generator (systemd.generator(7)): systemd runs it at boot and on
            `systemctl daemon-reload` to turn each line of /etc/ceph/rbdfencetab ($RBDFENCE_TAB
            overrides it) into a fenced mount: rbdfence@VOLUME.service plus its .mount unit.
            Bad lines are logged (kernel log, else stderr) and skipped; the rest still mount.

            --check [TABLE]  check TABLE (default: the one above) and write nothing: every bad
                             line on stderr; exit 0 if all lines are good, 1 if not.

            Exit status: 0 done (bad lines skipped), 1 could not write its output (or --check
            found bad lines), 64 bad usage. See /usr/share/doc/rbdfence/RBDFENCETAB.md.
            """);
        return code;
    }
}
