using System;
using System.Diagnostics.CodeAnalysis;
using Rbdfence.Fencing;
using Rbdfence.Volumes;

namespace Rbdfence.Holding.SharedConnection;

/// <summary>
/// An acquire's outcome as the fields of the daemon's <see cref="SharedProtocol.Acquired"/>
/// answer, so that <c>rbdfence acquire --connection shared</c> reports it exactly as an
/// acquire over its own connection does (text or JSON): status, mode, the cookie the lock
/// was taken with, the fenced client, the reason, and the holder seen, if any.
/// </summary>
public static class SharedAcquireResult
{
    // A holder record is lines of key=value; a protocol field cannot hold a newline.
    private const char RecordLineSeparator = '\u001f';

    /// <summary>The answer's fields (after the verb).</summary>
    public static string[] Fields(AcquireResult result, string cookie)
    {
        ArgumentNullException.ThrowIfNull(result);
        Holder? h = result.Holder;
        return
        [
            result.Status.ToString(), OptionNames.Of(result.Mode), cookie, result.Fenced ?? string.Empty, result.Reason ?? string.Empty,
            h is null ? string.Empty : "holder",
            h?.Client ?? string.Empty, h?.Cookie ?? string.Empty, h?.Address ?? string.Empty,
            h is { Live: true } ? "live" : string.Empty, h is { Ours: true } ? "ours" : string.Empty,
            h?.Record?.Format().Replace('\n', RecordLineSeparator) ?? string.Empty,
        ];
    }

    /// <summary>The result and cookie from an answer's fields; false for a malformed answer.</summary>
    public static bool TryParse(ReadOnlySpan<string> fields, [NotNullWhen(true)] out AcquireResult? result, out string cookie)
    {
        result = null;
        cookie = string.Empty;
        if (fields.Length < 12 || !Enum.TryParse(fields[0], ignoreCase: false, out AcquireStatus status) || !OptionNames.TryParse(fields[1], out LockMode mode))
        {
            return false;
        }

        cookie = fields[2];
        Holder? holder = fields[5] != "holder" ? null : new Holder(fields[6], fields[7], fields[8], HolderCookie.Parse(fields[7]), fields[9] == "live")
        {
            Ours = fields[10] == "ours",
            Record = fields[11].Length == 0 ? null : HolderRecord.Parse(fields[11].Replace(RecordLineSeparator, '\n')),
        };
        result = new AcquireResult(status, mode, holder, fields[3].Length == 0 ? null : fields[3])
        {
            Reason = fields[4].Length == 0 ? null : fields[4],
        };
        return true;
    }
}
