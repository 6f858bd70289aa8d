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
    public static void PauseBeforeBreak() => Pause("pause-before-break", "before the break");

    /// <summary>
    /// <c>RBDFENCE_FAULT=pause-before-proof</c>: 5 s between the holder's map and its proof
    /// that the lock is ours (so before READY=1), announced on stderr, for a test to freeze
    /// the holder in that window.
    /// </summary>
    public static void PauseBeforeProof() => Pause("pause-before-proof", "before the proof");

    private static void Pause(string fault, string where)
    {
        if (string.Equals(Fault, fault, StringComparison.Ordinal))
        {
            Console.Error.WriteLine($"rbdfence: fault injection: pausing 5 s {where}");
            Thread.Sleep(TimeSpan.FromSeconds(5));
        }
    }
#else
    public static bool Skips(string step) => false;

    public static void PauseBeforeBreak()
    {
    }

    public static void PauseBeforeProof()
    {
    }
#endif
}
