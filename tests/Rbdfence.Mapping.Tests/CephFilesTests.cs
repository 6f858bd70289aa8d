using System;
using System.IO;
using Xunit;

namespace Rbdfence.Mapping.Tests;

public sealed class CephFilesTests
{
    [Fact]
    public void Keyring_FindsTheEntitysKey()
    {
        const string Text = "[client.admin]\n\tkey = AAAA==\n\tcaps mon = \"allow *\"\n[client.rbdfence]\n# comment\n\tkey=BBBB==\n";
        Assert.Equal("AAAA==", CephKeyring.FindKey(Text, "client.admin"));
        Assert.Equal("BBBB==", CephKeyring.FindKey(Text, "client.rbdfence"));
        Assert.Null(CephKeyring.FindKey(Text, "client.other"));
    }

    [Theory]
    [InlineData("[v2:127.0.0.1:3300,v1:127.0.0.1:6789]", "127.0.0.1:6789")]
    [InlineData("[v2:10.0.0.1:3300/0,v1:10.0.0.1:6789/0] [v2:10.0.0.2:3300,v1:10.0.0.2:6789]", "10.0.0.1:6789,10.0.0.2:6789")]
    [InlineData("10.0.0.1:6789, 10.0.0.2", "10.0.0.1:6789,10.0.0.2")]
    [InlineData("v1:10.0.0.1:6789,v2:10.0.0.1:3300", "10.0.0.1:6789")]
    public void MonHost_GivesKernelAddresses(string monHost, string expected) =>
        Assert.Equal(expected, string.Join(',', CephConf.ParseMonHost(monHost)));

    [Fact]
    public void Conf_MonHostAndKeyring()
    {
        string dir = Path.Combine(Path.GetTempPath(), "rbdfence-conf-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string keyring = Path.Combine(dir, "keyring");
            File.WriteAllText(keyring, "[client.x]\nkey = AAAA==\n");
            string conf = Path.Combine(dir, "ceph.conf");
            File.WriteAllText(conf, $"[global]\nmon_host = [v2:127.0.0.1:3300,v1:127.0.0.1:6789]\n\n[client]\nkeyring = {keyring}\n");
            Assert.Equal(["127.0.0.1:6789"], CephConf.ReadMonAddresses(conf));
            Assert.Equal(keyring, CephConf.ResolveKeyring(conf, "x"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
