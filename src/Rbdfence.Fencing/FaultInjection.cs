using System;
using System.Threading;

namespace Rbdfence.Fencing;

/// <summary>
/// Test-only switches that skip or stretch one fencing step, so that the fault suite can
/// prove its oracle catches a broken fence and the cluster tests can act inside a window.
/// Compiled into Debug builds only (the ones the tests run): a Release or NativeAOT build,
/// the one installed on hosts, has no such switch.
/// </summary>
internal static class FaultInjection
{
#if RBDFENCE_FAULT_INJECTION
    private static readonly string? Fault = Environment.GetEnvironmentVariable("RBDFENCE_FAULT");

    public static bool Skips(string step) => string.Equals(Fault, step, StringComparison.Ordinal);

    /// <summary>
    /// <c>RBDFENCE_FAULT=pause-before-break</c>: 5 s between blocklisting a stale holder and
    /// breaking its lock, announced on stderr, for a test to change the holder record meanwhile.
    /// </summary>
    public static void PauseBeforeBreak()
    {
        if (string.Equals(Fault, "pause-before-break", StringComparison.Ordinal))
        {
            Console.Error.WriteLine("rbdfence: fault injection: pausing 5 s before the break");
            Thread.Sleep(TimeSpan.FromSeconds(5));
        }
    }
#else
    public static bool Skips(string step) => false;

    public static void PauseBeforeBreak()
    {
    }
#endif
}
