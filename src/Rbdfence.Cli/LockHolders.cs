using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Rbdfence.Fencing;
using Rbdfence.Fencing.Ceph;
using Rbdfence.Interop;
using Rbdfence.Table;
using Rbdfence.Volumes;

namespace Rbdfence.Cli;

/// <summary>Who holds one listed volume's lock, as <c>rbdfence status</c> would say.</summary>
/// <param name="Holder">The holder; null with <paramref name="Error"/> null: not locked.</param>
/// <param name="Self">The holder is this host: its lease names the lock (<see cref="Holder.Ours"/>).</param>
/// <param name="Error">Why the holder is not known (cluster unreachable, no such image, ...).</param>
/// <param name="ExitCode">The exit code <paramref name="Error"/> stands for; 0 without one.</param>
internal sealed record LockView(Holder? Holder, bool Self, string? Error, int ExitCode)
{
    public static readonly LockView NotAsked = new(null, false, "not asked", ExitCodes.Failure);
}

/// <summary>
/// The lock holders of the table's volumes: one connection per distinct Ceph client (id,
/// keyring, conf) of the table, each volume's status read with its own mode and grace.
/// The clients connect in parallel, so an unreachable cluster costs one connect timeout.
/// </summary>
internal static class LockHolders
{
    public static async Task<Dictionary<VolumeEntry, LockView>> ReadAsync(IReadOnlyList<VolumeEntry> volumes, TimeSpan connectTimeout, HostIdentity host)
    {
        var groups = volumes.GroupBy(v => (Id: v.Id ?? new CephClientOptions().Id, v.Keyring, v.Conf)).ToList();
        List<KeyValuePair<VolumeEntry, LockView>>[] results = await Task.WhenAll(groups.Select(g => Task.Run(() =>
            Read(new CephClientOptions { Id = g.Key.Id, Keyring = g.Key.Keyring, Conf = g.Key.Conf, ConnectTimeout = connectTimeout }, g.ToList(), host))))
            .ConfigureAwait(false);
        var views = new Dictionary<VolumeEntry, LockView>(ReferenceEqualityComparer.Instance);
        foreach (KeyValuePair<VolumeEntry, LockView> view in results.SelectMany(r => r))
        {
            views[view.Key] = view.Value;
        }

        return views;
    }

    private static List<KeyValuePair<VolumeEntry, LockView>> Read(CephClientOptions options, List<VolumeEntry> volumes, HostIdentity host)
    {
        var views = new List<KeyValuePair<VolumeEntry, LockView>>(volumes.Count);
        RadosCluster cluster;
        try
        {
            cluster = RadosCluster.Connect(options);
        }
        catch (Exception e) when (Describe(e) is { } failed)
        {
            string who = $"client.{options.Id}{(options.Conf is null ? string.Empty : " with " + options.Conf)}";
            views.AddRange(volumes.Select(v => KeyValuePair.Create(v, failed with { Error = $"{who}: {failed.Error}" })));
            return views;
        }

        using (cluster)
        {
            foreach (VolumeEntry volume in volumes)
            {
                views.Add(KeyValuePair.Create(volume, Status(cluster, volume, host)));
            }
        }

        return views;
    }

    private static LockView Status(RadosCluster cluster, VolumeEntry volume, HostIdentity host)
    {
        try
        {
            var fence = new FenceOptions
            {
                Mode = volume.Mode,
                Grace = TimeSpan.FromSeconds(volume.GraceSeconds is { } grace ? double.Parse(grace, CultureInfo.InvariantCulture) : OptionValues.DefaultGrace),
            };
            using FencedVolume fenced = FencedVolume.Open(cluster, VolumeSpec.Parse(volume.Spec), host, fence);
            VolumeStatus status = fenced.Status();
            Holder? holder = status.Holders.Count > 0 ? status.Holders[0] : null;
            return new LockView(holder, holder is { Ours: true }, null, ExitCodes.Ok);
        }
        catch (Exception e) when (Describe(e) is { } failed)
        {
            return failed;
        }
    }

    /// <summary>What went wrong, as the other verbs say it and with their exit code; null for what is not ours to describe.</summary>
    private static LockView? Describe(Exception e) => e switch
    {
        CephException c => new LockView(null, false, $"{c.Operation}: {CephErrorText.Describe(c.Errno)}", ExitCodes.ForErrno(c.Errno)),
        System.IO.FileNotFoundException => new LockView(null, false, e.Message, ExitCodes.Usage),
        UnauthorizedAccessException => new LockView(null, false, e.Message, ExitCodes.PermissionDenied),
        UnsafeCombinationException => new LockView(null, false, e.Message, ExitCodes.Unsafe),
        InvalidOperationException or ArgumentException => new LockView(null, false, e.Message, ExitCodes.Failure),
        _ => null,
    };
}
