using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Rbdfence.TestCluster;

/// <summary>Runs the repository's own scripts (<c>scripts/NAME</c>) with a hard timeout.</summary>
public static class RepoScripts
{
    /// <summary>The path of <c>scripts/<paramref name="name"/></c> in this checkout.</summary>
    public static string PathOf(string name) => Path.Combine(RepoRoot.Find(), "scripts", name);

    /// <summary>Runs <c>scripts/<paramref name="name"/></c>; never throws for a failing run.</summary>
    public static Task<CommandResult> RunAsync(string name, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        ProcessRunner.RunAsync(PathOf(name), arguments, timeout, environment: null, cancellationToken);
}
