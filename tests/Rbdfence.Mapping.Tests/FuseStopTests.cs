using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using Rbdfence.Volumes;
using Xunit;

namespace Rbdfence.Mapping.Tests;

/// <summary>
/// The unmap's last step on the rbd-fuse path: the image is let go only once no rbd-fuse
/// serves the mount any more. No cluster here: the "rbd-fuse" is a stand-in process named
/// like one (argv[0] and the kernel's process name) and carrying the mount directory in
/// its command line (how the backend finds its own), which ignores SIGTERM as an rbd-fuse
/// stuck closing its image against a down OSD does.
/// </summary>
public sealed class FuseStopTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "rbdfence-fusestop-" + Guid.NewGuid().ToString("N"));

    public FuseStopTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task An_rbd_fuse_deaf_to_sigterm_is_killed_and_gone_before_the_release_runs()
    {
        var backend = new FuseLoopBackend(_dir, timeout: TimeSpan.FromSeconds(10));
        var volume = new VolumeSpec("rbd", "stuck");
        string mountDir = backend.MountDirFor(volume);
        Directory.CreateDirectory(mountDir);
        using Process stuck = Process.Start(new ProcessStartInfo("bash")
        {
            ArgumentList =
            {
                "-c",
                "exec -a rbd-fuse /usr/bin/python3 -c 'import ctypes, signal, time; ctypes.CDLL(None).prctl(15, b\"rbd-fuse\", 0, 0, 0); signal.signal(signal.SIGTERM, signal.SIG_IGN); print(\"deaf\", flush=True); time.sleep(120)' \"$0\"",
                mountDir,
            },
            RedirectStandardOutput = true,
        })!;
        try
        {
            Assert.Equal("deaf", await stuck.StandardOutput.ReadLineAsync()); // SIGTERM ignored from here on
            await WaitUntilAsync(() => backend.ServingProcesses(volume).Contains(stuck.Id));
            bool servedAtRelease = true;
            var clock = Stopwatch.StartNew();
            await backend.UnmapAsync(
                new MappedDevice(volume, "/dev/loop-none", "fuse", mountDir, ReadOnly: false),
                released: () => servedAtRelease = backend.ServingProcesses(volume).Count > 0);

            Assert.True(stuck.HasExited, "the stand-in rbd-fuse outlived the unmap");
            Assert.False(servedAtRelease, "the release ran while an rbd-fuse still served the volume");
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(15)); // SIGTERM ignored, SIGKILL after 10 s
            Assert.False(Directory.Exists(mountDir));
        }
        finally
        {
            if (!stuck.HasExited)
            {
                stuck.Kill();
            }
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the stand-in rbd-fuse never showed up");
            await Task.Delay(20);
        }
    }
}
