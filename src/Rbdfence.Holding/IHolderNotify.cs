namespace Rbdfence.Holding;

/// <summary>
/// What a holder tells its service manager: the watchdog ping after every check that found
/// the lock ours, and <c>STATUS=</c> lines. <see cref="SdNotify"/> tells systemd directly; a
/// volume held through the host's shared connection tells its unit's process, which
/// passes it on (<see cref="SharedConnection.SharedSession"/>).
/// </summary>
public interface IHolderNotify
{
    void NotifyWatchdog();

    /// <summary>A <c>STATUS=</c> line a person reads in <c>systemctl status</c>.</summary>
    void NotifyStatus(string status);
}
