using System;

namespace Rbdfence.Fencing;

/// <summary>
/// Test-only switches that skip one fencing step, so that the fault suite can prove its
/// oracle catches a broken fence. Compiled into Debug builds only (the ones the tests run):
/// a Release or NativeAOT build, the one installed on hosts, has no such switch.
/// </summary>
internal static class FaultInjection
{
#if RBDFENCE_FAULT_INJECTION
    private static readonly string? Fault = Environment.GetEnvironmentVariable("RBDFENCE_FAULT");

    public static bool Skips(string step) => string.Equals(Fault, step, StringComparison.Ordinal);
#else
    public static bool Skips(string step) => false;
#endif
}
