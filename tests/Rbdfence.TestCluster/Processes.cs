using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Rbdfence.TestCluster;

/// <summary>Runs any program to completion, output captured, with a hard timeout.</summary>
public static class Processes
{
    /// <summary>Never throws for a failing run; see <see cref="CommandResult.EnsureSuccess"/>.</summary>
    public static Task<CommandResult> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        ProcessRunner.RunAsync(fileName, arguments, timeout ?? TimeSpan.FromSeconds(60), environment: null, cancellationToken);
}
