using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Rbdfence.Mapping.Tests;

/// <summary>
/// A temporary directory shaped like <c>/sys/bus/rbd</c>. This machine's kernel has no rbd
/// module, so the krbd backend is tested against this stand-in: a small "kernel" task
/// watches add_single_major and, like the real module, creates devices/&lt;id&gt;/ for
/// what was written.
/// </summary>
internal sealed class FakeRbdBus : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task? _kernel;
    private readonly List<string> _adds = new();
    private readonly bool _deviceNumbers;

    public FakeRbdBus(bool emulateKernel = true, bool singleMajor = true, bool deviceNumbers = false)
    {
        _deviceNumbers = deviceNumbers;
        Root = Path.Combine(Path.GetTempPath(), "rbdfence-fake-sysfs-" + Guid.NewGuid().ToString("N"));
        Bus = Path.Combine(Root, "bus", "rbd");
        DevRoot = Path.Combine(Root, "dev");
        Directory.CreateDirectory(Path.Combine(Bus, "devices"));
        Directory.CreateDirectory(DevRoot);
        AddFile = Path.Combine(Bus, singleMajor ? "add_single_major" : "add");
        RemoveFile = Path.Combine(Bus, singleMajor ? "remove_single_major" : "remove");
        File.WriteAllText(AddFile, string.Empty);
        File.WriteAllText(RemoveFile, string.Empty);
        if (emulateKernel)
        {
            _kernel = Task.Run(EmulateAsync);
        }
    }

    public string Root { get; }

    public string Bus { get; }

    public string DevRoot { get; }

    public string AddFile { get; }

    public string RemoveFile { get; }

    /// <summary>Everything the backend wrote to the add file, in order.</summary>
    public IReadOnlyList<string> Adds
    {
        get
        {
            lock (_adds)
            {
                return _adds.ToArray();
            }
        }
    }

    /// <summary>Creates devices/&lt;id&gt;/ like the module does; null attributes are left out (old kernels have no pool_ns).</summary>
    public void AddDevice(int id, string pool, string? ns, string image, string snap)
    {
        string dir = Path.Combine(Bus, "devices", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "pool"), pool + "\n");
        if (ns is not null)
        {
            File.WriteAllText(Path.Combine(dir, "pool_ns"), ns + "\n");
        }

        File.WriteAllText(Path.Combine(dir, "name"), image + "\n");
        File.WriteAllText(Path.Combine(dir, "current_snap"), snap + "\n");
        File.WriteAllText(Path.Combine(dir, "client_addr"), "10.0.0.9:0/12345\n");
        File.WriteAllText(Path.Combine(dir, "client_id"), "client4123\n");
        if (_deviceNumbers)
        {
            // single_major: one major for all, 16 minors (partitions) a device.
            File.WriteAllText(Path.Combine(dir, "major"), "252\n");
            File.WriteAllText(Path.Combine(dir, "minor"), (id * 16).ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _kernel?.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        Directory.Delete(Root, recursive: true);
    }

    private async Task EmulateAsync()
    {
        int next = 0;
        while (!_stop.IsCancellationRequested)
        {
            // A test may take the bus away (an unloaded module) and bring it back.
            string written = File.Exists(AddFile) ? File.ReadAllText(AddFile) : string.Empty;
            if (written.Length > 0)
            {
                File.WriteAllText(AddFile, string.Empty);
                lock (_adds)
                {
                    _adds.Add(written);
                }

                // "<mons> <options> <pool> <image> <snap>", namespace as the _pool_ns option.
                string[] fields = written.Split(' ');
                string ns = string.Empty;
                foreach (string option in fields[1].Split(','))
                {
                    if (option.StartsWith("_pool_ns=", StringComparison.Ordinal))
                    {
                        ns = option["_pool_ns=".Length..];
                    }
                }

                while (Directory.Exists(Path.Combine(Bus, "devices", next.ToString(System.Globalization.CultureInfo.InvariantCulture))))
                {
                    next++;
                }

                AddDevice(next, fields[2], ns, fields[3], fields.Length > 4 ? fields[4] : "-");
            }

            try
            {
                await Task.Delay(5, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
