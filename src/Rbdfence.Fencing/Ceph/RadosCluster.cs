using System;
using System.Globalization;
using System.Runtime.InteropServices;
using Rbdfence.Interop;
using Rbdfence.Linux;

namespace Rbdfence.Fencing.Ceph;

/// <summary>One librados client instance (<c>rados_t</c>): connect, blocklist, open pools.</summary>
public sealed unsafe class RadosCluster : IDisposable
{
    private rados_t _handle;

    private RadosCluster(rados_t handle) => _handle = handle;

    internal rados_t Handle => _handle.IsNull ? throw new ObjectDisposedException(nameof(RadosCluster)) : _handle;

    /// <summary>
    /// Connects as <c>client.&lt;id&gt;</c> with a bounded timeout, so an unreachable monitor is
    /// an error after <see cref="CephClientOptions.ConnectTimeout"/>, not a hang.
    /// </summary>
    /// <summary>Throws <see cref="System.IO.FileNotFoundException"/> for a conf or keyring path given but absent.</summary>
    public static void CheckFilesExist(CephClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // librados reports a missing file as ENOENT, which reads like a missing image.
        foreach ((string? path, string what) in (ReadOnlySpan<(string?, string)>)[(options.Conf, "ceph conf"), (options.Keyring, "keyring")])
        {
            if (path is not null && !System.IO.File.Exists(path))
            {
                throw new System.IO.FileNotFoundException($"no {what} at {path}", path);
            }
        }
    }

    public static RadosCluster Connect(CephClientOptions options)
    {
        CheckFilesExist(options);

        rados_t handle;
        CephErrors.Check(LibRados.rados_create2(&handle, "ceph\0"u8, Utf8.NulTerminated("client." + options.Id), 0), "cannot create a librados client");

        var connection = new RadosCluster(handle);
        try
        {
            // An empty span passes NULL: librados' default search path.
            int rc = LibRados.rados_conf_read_file(handle, options.Conf is null ? default : Utf8.NulTerminated(options.Conf));
            // Without an explicit path a missing /etc/ceph/ceph.conf is fine when CEPH_ARGS says enough.
            if (rc < 0 && options.Conf is not null)
            {
                throw new CephException($"cannot read ceph conf {options.Conf}", -rc);
            }

            CephErrors.Check(LibRados.rados_conf_parse_env(handle, (byte*)null), "cannot parse CEPH_ARGS");
            string seconds = ((int)Math.Ceiling(options.ConnectTimeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            connection.Set("client_mount_timeout", seconds);
            connection.Set("rados_mon_op_timeout", seconds);
            // librados' own log lines would interleave with the one-line errors the CLI promises.
            connection.Set("log_to_stderr", "false");
            connection.Set("err_to_stderr", "false");
            if (options.Keyring is not null)
            {
                connection.Set("keyring", options.Keyring);
            }

            connection.CheckSecretFiles();
            CephErrors.Check(LibRados.rados_connect(handle), "cannot connect to the cluster");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Sets one config option (before connect).</summary>
    public void Set(string option, string value)
    {
        CephErrors.Check(LibRados.rados_conf_set(Handle, Utf8.NulTerminated(option), Utf8.NulTerminated(value)), $"cannot set option {option}");
    }

    /// <summary>Reads one config option (its value after the conf, CEPH_ARGS and what was set).</summary>
    public string Get(string option)
    {
        for (int size = 1024; ; size *= 4)
        {
            byte[] buffer = new byte[size];
            int rc = LibRados.rados_conf_get(Handle, Utf8.NulTerminated(option), buffer);
            if (rc == -Errno.ENAMETOOLONG && size < 1 << 20)
            {
                continue;
            }

            CephErrors.Check(rc, $"cannot read option {option}");
            return Utf8.Decode(buffer);
        }
    }

    /// <summary>
    /// Refuses (<see cref="UnauthorizedAccessException"/>) the files librados is about to read
    /// the key from when another user could have written them: the first existing file of the
    /// <c>keyring</c> search list (the one librados uses) and <c>keyfile</c>.
    /// </summary>
    private void CheckSecretFiles()
    {
        // Ceph splits the search list at these (ceph_resolve_file_search, get_str_list).
        foreach (string candidate in Get("keyring").Split([',', ';', '=', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (System.IO.File.Exists(candidate))
            {
                SecretFiles.Check(candidate, "keyring");
                break;
            }
        }

        if (Get("keyfile") is { Length: > 0 } keyfile)
        {
            SecretFiles.Check(keyfile, "key file");
        }
    }

    /// <summary>This client's own address (<c>ip:port/nonce</c>), as other clients see it in lockers and watchers.</summary>
    public string Address
    {
        get
        {
            byte* addrs = null;
            CephErrors.Check(LibRados.rados_getaddrs(Handle, &addrs), "cannot read this client's address");
            try
            {
                // A msgr2 client reports "[v2:ip:port/nonce,v1:...]"; lockers show the plain form.
                return CephAddress.Normalize(Utf8.Decode(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(addrs)));
            }
            finally
            {
                LibRados.rados_buffer_free(addrs);
            }
        }
    }

    /// <summary>The client's global id, the number in <c>client.&lt;id&gt;</c> as lockers name it.</summary>
    public ulong InstanceId => LibRados.rados_get_instance_id(Handle);

    /// <summary>
    /// Blocklists <paramref name="address"/> (<c>ip:0/0</c> fences the whole host) for
    /// <paramref name="expire"/>, so a fenced holder's I/O fails before its lock is broken.
    /// </summary>
    public void Blocklist(string address, TimeSpan expire)
    {
        fixed (byte* a = Utf8.NulTerminated(address))
        {
            CephErrors.Check(LibRados.rados_blocklist_add(Handle, a, (uint)Math.Max(1, expire.TotalSeconds)), $"cannot blocklist {address}");
        }
    }

    /// <summary>Opens a pool (and namespace) for object and image operations.</summary>
    public IoContext OpenPool(string pool, string @namespace) => IoContext.Open(this, pool, @namespace);

    public void Dispose()
    {
        if (!_handle.IsNull)
        {
            LibRados.rados_shutdown(_handle);
            _handle = default;
        }
    }
}
