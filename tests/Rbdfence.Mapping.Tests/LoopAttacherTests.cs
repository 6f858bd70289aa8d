using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace Rbdfence.Mapping.Tests;

/// <summary>
/// Attaching a loop device where /dev is a container's, filled once at its start (issue 11).
/// Played with a scripted losetup and a temporary directory standing in for /dev: the real
/// case needs a container whose /dev lacks nodes the kernel has, which the boot tier's
/// many-volumes test gives for real.
/// </summary>
public sealed class LoopAttacherTests : IDisposable
{
    private const string Missing = "losetup: /run/rbdfence/fuse/rbd%2Fv15/v15: failed to set up loop device: No such file or directory";
    private readonly string _dev = Directory.CreateTempSubdirectory("rbdfence-fake-dev.").FullName;
    private readonly List<string> _log = [];

    public void Dispose() => Directory.Delete(_dev, recursive: true);

    private string[] Nodes(params int[] numbers)
    {
        File.WriteAllText(Path.Join(_dev, "loop-control"), string.Empty);
        return numbers.Select(n => Path.Join(_dev, "loop" + n)).Select(path =>
        {
            File.WriteAllText(path, string.Empty);
            return path;
        }).ToArray();
    }

    private LoopAttacher Attacher(ScriptedLosetup losetup) =>
        new(losetup, TimeSpan.FromSeconds(5), (_, message) => _log.Add(message), _dev);

    private static Func<CancellationToken, Task<IReadOnlyList<LoopDevice>>> Attached(params string[] devices) =>
        _ => Task.FromResult<IReadOnlyList<LoopDevice>>(devices.Select(d => new LoopDevice(d, "/elsewhere", false)).ToList());

    [Fact]
    public async Task On_a_host_find_is_enough()
    {
        var losetup = new ScriptedLosetup(find: new CommandOutput(0, "/dev/loop3\n", string.Empty, false));
        Assert.Equal("/dev/loop3", await Attacher(losetup).AttachAsync("/f/img", readOnly: true, Attached(), default));
        Assert.Equal(["--find --show --read-only /f/img"], losetup.Calls);
    }

    [Fact]
    public async Task A_first_free_device_without_a_node_falls_back_to_the_free_nodes_there_skipping_attached_and_raced_ones()
    {
        string[] nodes = Nodes(0, 1, 2, 10);
        var losetup = new ScriptedLosetup(find: new CommandOutput(1, string.Empty, Missing, false))
        {
            // loop1 was taken by another holder between the listing and the attach.
            Busy = { nodes[1] },
        };

        string device = await Attacher(losetup).AttachAsync("/f/img", readOnly: false, Attached(nodes[0]), default);

        Assert.Equal(nodes[2], device);
        Assert.Equal(["--find --show /f/img", $"{nodes[1]} /f/img", $"{nodes[2]} /f/img"], losetup.Calls);
        Assert.Contains(_log, line => line.Contains("has no node", StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_free_node_fails_saying_what_to_give_the_container()
    {
        string[] nodes = Nodes(0);
        var losetup = new ScriptedLosetup(find: new CommandOutput(1, string.Empty, Missing, false));
        MapException e = await Assert.ThrowsAsync<MapException>(() => Attacher(losetup).AttachAsync("/f/img", false, Attached(nodes[0]), default));
        Assert.Contains("none of the loop device nodes", e.Message, StringComparison.Ordinal);
        Assert.Contains("/dev/loopN", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Other_failures_are_reported_as_they_are()
    {
        Nodes(0, 1);
        var losetup = new ScriptedLosetup(find: new CommandOutput(1, string.Empty, "losetup: /f/img: Permission denied", false));
        MapException e = await Assert.ThrowsAsync<MapException>(() => Attacher(losetup).AttachAsync("/f/img", false, Attached(), default));
        Assert.Contains("Permission denied", e.Message, StringComparison.Ordinal);
        Assert.Single(losetup.Calls);
    }

    private sealed class ScriptedLosetup(CommandOutput find) : ICommandRunner
    {
        public List<string> Calls { get; } = [];

        public HashSet<string> Busy { get; } = [];

        public Task<CommandOutput> RunAsync(string fileName, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken = default)
        {
            Assert.Equal("losetup", fileName);
            Calls.Add(string.Join(' ', arguments));
            return Task.FromResult(arguments[0] == "--find" ? find
                : Busy.Contains(arguments[0]) ? new CommandOutput(1, string.Empty, $"losetup: {arguments[0]}: failed to set up loop device: Device or resource busy", false)
                : new CommandOutput(0, string.Empty, string.Empty, false));
        }
    }
}
