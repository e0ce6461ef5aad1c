using System.Diagnostics;
using System.Net.Sockets;
using Npgsql;
using Testcontainers.PostgreSql;

namespace Testing.Postgres;

/// <summary>
/// A real, throwaway PostgreSQL server for tests: a Testcontainers container when a Docker engine
/// answers, otherwise a cluster made with the installed server binaries (initdb/pg_ctl) in a temp
/// folder on a free loopback port. Never an in-memory or mocked database.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string AdminUser = "postgres";

    private readonly PostgreSqlContainer? _container;
    private readonly LocalCluster? _local;

    private PostgresServer(PostgreSqlContainer container, string password)
    {
        _container = container;
        AdminPassword = password;
        Mode = "testcontainers";
    }

    private PostgresServer(LocalCluster local)
    {
        _local = local;
        AdminPassword = local.Password;
        Mode = "local-binaries";
    }

    /// <summary>"testcontainers" or "local-binaries": shown in test output so a reader knows what ran.</summary>
    public string Mode { get; }

    public string AdminPassword { get; }

    public string Host => _container?.Hostname ?? "127.0.0.1";

    public int Port => _container?.GetMappedPublicPort(5432) ?? _local!.Port;

    /// <summary>Superuser connection string to the <c>postgres</c> maintenance database.</summary>
    public string AdminConnectionString => ConnectionString("postgres");

    public string ConnectionString(string database, string? user = null, string? password = null) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Database = database,
            Username = user ?? AdminUser,
            Password = password ?? AdminPassword,
            Pooling = true,
            MaxPoolSize = 100,
            Timeout = 5,
        }.ConnectionString;

    public static async Task<PostgresServer> StartAsync(CancellationToken ct = default)
    {
        var password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        if (await DockerAnswersAsync(ct))
        {
            var container = new PostgreSqlBuilder("postgres:15-alpine")
                .WithUsername(AdminUser)
                .WithPassword(password)
                .WithCommand("-c", "max_connections=300", "-c", "fsync=off")
                .Build();
            await container.StartAsync(ct);
            return new PostgresServer(container, password);
        }

        return new PostgresServer(await LocalCluster.StartAsync(password, ct));
    }

    /// <summary>Creates a fresh, empty database so each test class owns its data.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix, CancellationToken ct = default)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)].ToLowerInvariant();
        await using var conn = new NpgsqlConnection(AdminConnectionString);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", conn);
        await cmd.ExecuteNonQueryAsync(ct);
        return ConnectionString(name);
    }

    /// <summary>Stops the server (readiness tests); <see cref="ResumeAsync"/> brings it back on the same port.</summary>
    public async Task SuspendAsync(CancellationToken ct = default)
    {
        NpgsqlConnection.ClearAllPools();
        if (_container is not null)
        {
            await _container.PauseAsync(ct);
        }
        else
        {
            await _local!.StopAsync(ct);
        }
    }

    public async Task ResumeAsync(CancellationToken ct = default)
    {
        if (_container is not null)
        {
            await _container.UnpauseAsync(ct);
        }
        else
        {
            await _local!.StartServerAsync(ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }

        if (_local is not null)
        {
            await _local.DisposeAsync();
        }
    }

    public static async Task<bool> DockerAnswersAsync(CancellationToken ct)
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        var socketPath = host is not null && host.StartsWith("unix://", StringComparison.Ordinal)
            ? host["unix://".Length..]
            : "/var/run/docker.sock";
        if (host is not null && !host.StartsWith("unix://", StringComparison.Ordinal))
        {
            // A TCP engine: let Testcontainers find out; only used where someone configured it on purpose.
            return true;
        }

        if (!File.Exists(socketPath))
        {
            return false;
        }

        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), timeout.Token);
            var request = "GET /_ping HTTP/1.0\r\n\r\n"u8.ToArray();
            await socket.SendAsync(request, SocketFlags.None, timeout.Token);
            var buffer = new byte[64];
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return System.Text.Encoding.ASCII.GetString(buffer, 0, read).Contains(" 200 ", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
        {
            return false;
        }
    }

    /// <summary>A cluster from Debian's postgresql binaries, owned by the postgres OS user when we run as root.</summary>
    private sealed class LocalCluster : IAsyncDisposable
    {
        private readonly string _binDir;
        private readonly string _root;
        private readonly string _dataDir;
        private readonly bool _asPostgresUser;

        private LocalCluster(string binDir, string root, int port, string password, bool asPostgresUser)
        {
            _binDir = binDir;
            _root = root;
            _dataDir = Path.Combine(root, "data");
            Port = port;
            Password = password;
            _asPostgresUser = asPostgresUser;
        }

        public int Port { get; }

        public string Password { get; }

        public static async Task<LocalCluster> StartAsync(string password, CancellationToken ct)
        {
            var binDir = FindBinDir() ?? throw new InvalidOperationException(
                "No Docker engine answers and no PostgreSQL server binaries were found (initdb, pg_ctl). " +
                "Install them with: apt-get install -y postgresql");
            var root = Directory.CreateTempSubdirectory("pgtest-").FullName;
            var asPostgresUser = Environment.UserName == "root";
            var cluster = new LocalCluster(binDir, root, Ports.FreeTcpPort(), password, asPostgresUser);
            var pwFile = Path.Combine(root, "pw");
            await File.WriteAllTextAsync(pwFile, password, ct);
            if (asPostgresUser)
            {
                // initdb refuses to run as root: hand the folder to the postgres user the package created.
                await RunAsync("chown", ["-R", "postgres:postgres", root], ct);
                await RunAsync("chmod", ["700", root], ct);
            }

            await cluster.RunPgAsync("initdb", ["-D", cluster._dataDir, "-U", AdminUser, "--pwfile", pwFile, "--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C.UTF-8"], ct);
            File.Delete(pwFile);
            await cluster.StartServerAsync(ct);
            return cluster;
        }

        public Task StartServerAsync(CancellationToken ct) =>
            RunPgAsync("pg_ctl", ["-D", _dataDir, "-w", "-t", "60", "-l", Path.Combine(_root, "server.log"), "-o",
                $"-p {Port} -k {_root} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                "start"], ct);

        // "fast" writes a checkpoint: with synchronous_commit=off an "immediate" stop can lose the last
        // commits, so a suspended server would come back without data a test just wrote. Disposal throws
        // the cluster away, so it need not wait for that.
        public Task StopAsync(CancellationToken ct, bool keepData = true) =>
            RunPgAsync("pg_ctl", ["-D", _dataDir, "-w", "-m", keepData ? "fast" : "immediate", "stop"], ct);

        public async ValueTask DisposeAsync()
        {
            try
            {
                await StopAsync(CancellationToken.None, keepData: false);
            }
            catch (InvalidOperationException)
            {
                // Already stopped (a test suspended it): nothing to stop.
            }

            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        private Task RunPgAsync(string tool, IReadOnlyList<string> args, CancellationToken ct)
        {
            var exe = Path.Combine(_binDir, tool);
            return _asPostgresUser
                ? RunAsync("runuser", ["-u", "postgres", "--", exe, .. args], ct)
                : RunAsync(exe, args, ct);
        }

        private static string? FindBinDir()
        {
            const string debianRoot = "/usr/lib/postgresql";
            if (Directory.Exists(debianRoot))
            {
                var newest = Directory.GetDirectories(debianRoot)
                    .Select(d => Path.Combine(d, "bin"))
                    .Where(d => File.Exists(Path.Combine(d, "initdb")))
                    .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                    .FirstOrDefault();
                if (newest is not null)
                {
                    return newest;
                }
            }

            return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
                .Split(':', StringSplitOptions.RemoveEmptyEntries)
                .FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
        }

        private static async Task RunAsync(string file, IReadOnlyList<string> args, CancellationToken ct)
        {
            var psi = new ProcessStartInfo(file)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = Path.GetTempPath(),
            };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {await stderr}{await stdout}");
            }
        }
    }
}
