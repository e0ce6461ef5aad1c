using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace ShopOperator.Database;

/// <summary>Timeouts and limits of <see cref="DatabaseProvisioner"/>; the defaults suit a reconcile loop.</summary>
public sealed record DatabaseProvisionerOptions
{
    /// <summary>An unreachable server becomes <see cref="ProvisionReasons.ServerUnreachable"/> after this long.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a call waits for a concurrent Ensure/Drop of the same names (or a DDL lock) before <see cref="ProvisionReasons.Busy"/>.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// CONNECTION LIMIT of the shop role: a runaway shop cannot exhaust the server's max_connections. 100 fits five
    /// api replicas with the 20-connection pools of <see cref="DatabaseProvisioner.ConnectionStringFor"/>, plus
    /// the migrate job and the provisioner's own login check.
    /// </summary>
    public int RoleConnectionLimit { get; init; } = 100;
}

/// <summary>
/// Creates, checks and drops a shop's PostgreSQL role and database with Npgsql. See README.md for the SQL and why.
/// </summary>
public sealed class DatabaseProvisioner(DatabaseProvisionerOptions? options = null) : IDatabaseProvisioner
{
    /// <summary>Pool size the shop's connection string asks for; see <see cref="DatabaseProvisionerOptions.RoleConnectionLimit"/>.</summary>
    public const int ShopMaxPoolSize = 20;

    private readonly DatabaseProvisionerOptions _options = options ?? new DatabaseProvisionerOptions();

    /// <summary>The connection string for the api tier's Secret: the shop role on its own database, nothing of the admin's but host, port and sslmode.</summary>
    public static string ConnectionStringFor(AdminEndpoint admin, DatabaseNames names, string password)
    {
        ArgumentNullException.ThrowIfNull(admin);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(password);
        return new NpgsqlConnectionStringBuilder
        {
            Host = admin.Host,
            Port = admin.Port,
            Database = names.Database,
            Username = names.Role,
            Password = password,
            SslMode = admin.SslMode,
            MaxPoolSize = ShopMaxPoolSize,
        }.ConnectionString;
    }

    public async Task<ProvisionResult> EnsureAsync(AdminEndpoint admin, DatabaseNames names, string password, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(admin);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(password);
        if (!ScramVerifier.IsAcceptedPassword(password))
        {
            throw new ArgumentException("the shop password must be non-empty printable ASCII (PasswordGenerator.Generate makes one)", nameof(password));
        }

        var changes = new List<string>();
        try
        {
            await using var connection = await OpenLockedAsync(admin, names, ct);
            var state = await ReadStateAsync(connection, names, ct);
            var passwordSet = false;
            if (!state.RoleExists)
            {
                passwordSet = await CreateRoleAsync(connection, names, password, ct);
                if (passwordSet)
                {
                    changes.Add("CreateRole");
                }

                state = await ReadStateAsync(connection, names, ct);
            }

            var fixes = RoleAttributeFixes(state);
            if (fixes.Count > 0)
            {
                await ExecuteAsync(connection, $"ALTER ROLE {Quote(names.Role)} WITH {string.Join(' ', fixes)}", ct);
                changes.Add("AlterRole");
            }

            if (!state.AdminCanSetRole)
            {
                // A non-superuser admin (an RDS master user) must be able to SET ROLE to the owner it names in
                // CREATE/ALTER DATABASE ... OWNER, and to own the database by proxy to revoke on it and drop it.
                await ExecuteAsync(connection, $"GRANT {Quote(names.Role)} TO CURRENT_USER", ct);
                changes.Add("GrantRoleToAdmin");
            }

            if (!state.DatabaseExists)
            {
                if (await CreateDatabaseAsync(connection, names, ct))
                {
                    changes.Add("CreateDatabase");
                }

                state = await ReadStateAsync(connection, names, ct);
            }

            if (!state.DatabaseOwnedByRole)
            {
                await ExecuteAsync(connection, $"ALTER DATABASE {Quote(names.Database)} OWNER TO {Quote(names.Role)}", ct);
                changes.Add("AlterDatabaseOwner");
            }

            if (state.PublicHasDatabasePrivileges)
            {
                // New databases let PUBLIC CONNECT and create TEMP tables: only the owner (the shop) may.
                await ExecuteAsync(connection, $"REVOKE ALL ON DATABASE {Quote(names.Database)} FROM PUBLIC", ct);
                changes.Add("RevokePublic");
            }

            if (!passwordSet && !await CanLoginAsync(admin, names, password, ct))
            {
                await ExecuteWithPasswordAsync(connection, $"ALTER ROLE {Quote(names.Role)} WITH", password, ct);
                changes.Add("SetPassword");
            }

            var message = changes.Count == 0
                ? $"role and database {names.Database} exist and accept the shop's password"
                : $"role and database {names.Database} ready ({string.Join(", ", changes)})";
            return new ProvisionResult(true, ProvisionReasons.Provisioned, message) { Changes = changes };
        }
        catch (Exception e) when (Classify(e, admin, password, ct) is { } failure)
        {
            return failure with { Changes = changes };
        }
    }

    public async Task<ProvisionResult> DropAsync(AdminEndpoint admin, DatabaseNames names, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(admin);
        ArgumentNullException.ThrowIfNull(names);
        var changes = new List<string>();
        try
        {
            await using var connection = await OpenLockedAsync(admin, names, ct);
            var state = await ReadStateAsync(connection, names, ct);
            if (state.DatabaseExists)
            {
                if (state.RoleExists && !state.AdminCanSetRole)
                {
                    // DROP DATABASE needs ownership; membership in the owning role is ownership for a non-superuser.
                    await ExecuteAsync(connection, $"GRANT {Quote(names.Role)} TO CURRENT_USER", ct);
                    changes.Add("GrantRoleToAdmin");
                }

                await using (var terminate = new NpgsqlCommand(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", connection))
                {
                    terminate.Parameters.Add(new NpgsqlParameter { Value = names.Database });
                    await terminate.ExecuteScalarAsync(ct);
                }

                // FORCE (PostgreSQL 13+) also ends sessions that connect between the terminate and the drop.
                var force = connection.PostgreSqlVersion.Major >= 13 ? " WITH (FORCE)" : "";
                await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS {Quote(names.Database)}{force}", ct);
                changes.Add("DropDatabase");
            }

            if (state.RoleExists)
            {
                await ExecuteAsync(connection, $"DROP ROLE IF EXISTS {Quote(names.Role)}", ct);
                changes.Add("DropRole");
            }

            var message = changes.Count == 0
                ? $"role and database {names.Database} do not exist"
                : $"dropped {names.Database} ({string.Join(", ", changes)})";
            return new ProvisionResult(true, ProvisionReasons.Dropped, message) { Changes = changes };
        }
        catch (Exception e) when (Classify(e, admin, null, ct) is { } failure)
        {
            return failure with { Changes = changes };
        }
    }

    private async Task<NpgsqlConnection> OpenLockedAsync(AdminEndpoint admin, DatabaseNames names, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(admin.ConnectionString(_options.ConnectTimeout, _options.CommandTimeout));
        try
        {
            await connection.OpenAsync(ct);
            // One Ensure/Drop at a time per names, across operator replicas and threads: without it two callers
            // race on the catalogs (duplicate key in pg_authid, "tuple concurrently updated"). A session lock,
            // released when the unpooled connection closes. Advisory locks are per database: every caller of the
            // same admin endpoint uses the same maintenance database.
            await using var command = new NpgsqlCommand("SELECT set_config('lock_timeout', $1, false), pg_advisory_lock($2)", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = $"{(int)_options.LockTimeout.TotalMilliseconds}ms" });
            command.Parameters.Add(new NpgsqlParameter { Value = LockKey(names) });
            await command.ExecuteNonQueryAsync(ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static long LockKey(DatabaseNames names)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"shop-operator\0{names.Database}\0{names.Role}"));
        return BitConverter.ToInt64(hash, 0);
    }

    private sealed record CatalogState(
        bool RoleExists,
        bool RoleSuper,
        bool RoleCreateDb,
        bool RoleCreateRole,
        bool RoleInherit,
        bool RoleCanLogin,
        bool RoleReplication,
        bool RoleBypassRls,
        int RoleConnectionLimit,
        bool RoleExpires,
        bool AdminCanSetRole,
        bool DatabaseExists,
        bool DatabaseOwnedByRole,
        bool PublicHasDatabasePrivileges);

    private static async Task<CatalogState> ReadStateAsync(NpgsqlConnection connection, DatabaseNames names, CancellationToken ct)
    {
        // Catalog reads only (pg_roles and pg_database are readable by any user, unlike pg_authid).
        const string sql = """
            SELECT r.oid IS NOT NULL,
                   coalesce(r.rolsuper, false), coalesce(r.rolcreatedb, false), coalesce(r.rolcreaterole, false),
                   coalesce(r.rolinherit, false), coalesce(r.rolcanlogin, false), coalesce(r.rolreplication, false),
                   coalesce(r.rolbypassrls, false), coalesce(r.rolconnlimit, -1), coalesce(r.rolvaliduntil <> 'infinity', false),
                   r.oid IS NULL OR pg_has_role(current_user, r.oid, $3),
                   d.oid IS NOT NULL,
                   d.oid IS NULL OR d.datdba IS NOT DISTINCT FROM r.oid,
                   coalesce((SELECT bool_or(a.grantee = 0) FROM aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) AS a), false)
            FROM (VALUES (1)) AS one (x)
            LEFT JOIN pg_roles AS r ON r.rolname = $1
            LEFT JOIN pg_database AS d ON d.datname = $2
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = names.Role });
        command.Parameters.Add(new NpgsqlParameter { Value = names.Database });
        // PostgreSQL 16 split membership into INHERIT/SET/ADMIN: naming a role as owner needs SET.
        command.Parameters.Add(new NpgsqlParameter { Value = connection.PostgreSqlVersion.Major >= 16 ? "SET" : "MEMBER" });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new CatalogState(
            reader.GetBoolean(0), reader.GetBoolean(1), reader.GetBoolean(2), reader.GetBoolean(3), reader.GetBoolean(4),
            reader.GetBoolean(5), reader.GetBoolean(6), reader.GetBoolean(7), reader.GetInt32(8), reader.GetBoolean(9),
            reader.GetBoolean(10), reader.GetBoolean(11), reader.GetBoolean(12), reader.GetBoolean(13));
    }

    private List<string> RoleAttributeFixes(CatalogState state)
    {
        // Only the attributes that differ: PostgreSQL before 16 refuses a non-superuser even a no-op
        // NOSUPERUSER/NOREPLICATION/NOBYPASSRLS in ALTER ROLE.
        var fixes = new List<string>();
        if (!state.RoleExists)
        {
            return fixes;
        }

        if (state.RoleSuper)
        {
            fixes.Add("NOSUPERUSER");
        }

        if (state.RoleCreateDb)
        {
            fixes.Add("NOCREATEDB");
        }

        if (state.RoleCreateRole)
        {
            fixes.Add("NOCREATEROLE");
        }

        if (!state.RoleInherit)
        {
            fixes.Add("INHERIT");
        }

        if (!state.RoleCanLogin)
        {
            fixes.Add("LOGIN");
        }

        if (state.RoleReplication)
        {
            fixes.Add("NOREPLICATION");
        }

        if (state.RoleBypassRls)
        {
            fixes.Add("NOBYPASSRLS");
        }

        if (state.RoleConnectionLimit != _options.RoleConnectionLimit)
        {
            fixes.Add(FormattableString.Invariant($"CONNECTION LIMIT {_options.RoleConnectionLimit}"));
        }

        if (state.RoleExpires)
        {
            fixes.Add("VALID UNTIL 'infinity'");
        }

        return fixes;
    }

    /// <summary>True when this call created the role; false when a concurrent creator won (the caller re-reads).</summary>
    private async Task<bool> CreateRoleAsync(NpgsqlConnection connection, DatabaseNames names, string password, CancellationToken ct)
    {
        // INHERIT (the default) on purpose: since PostgreSQL 15 schema public belongs to pg_database_owner, and
        // only an owner that inherits uses that role's rights; with NOINHERIT the shop could not create its tables
        // (nor could a non-superuser admin, whose rights reach the database only through this role). The role is
        // granted no other role, so inheriting widens nothing.
        var create = FormattableString.Invariant(
            $"CREATE ROLE {Quote(names.Role)} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT {_options.RoleConnectionLimit}");
        try
        {
            await ExecuteWithPasswordAsync(connection, create, password, ct);
            return true;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateObject or PostgresErrorCodes.UniqueViolation)
        {
            // Created by someone not holding our advisory lock (another tool, a different maintenance database).
            return false;
        }
    }

    private static async Task<bool> CreateDatabaseAsync(NpgsqlConnection connection, DatabaseNames names, CancellationToken ct)
    {
        try
        {
            await ExecuteAsync(connection, $"CREATE DATABASE {Quote(names.Database)} OWNER {Quote(names.Role)}", ct);
            return true;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            return false;
        }
    }

    /// <summary>
    /// The cheap way to know the role's password is already right without reading pg_authid (superuser only):
    /// log in as the role. A failure of any kind just means "set it", which is always correct.
    /// </summary>
    private async Task<bool> CanLoginAsync(AdminEndpoint admin, DatabaseNames names, string password, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionStringFor(admin, names, password))
        {
            Pooling = false,
            Timeout = AdminEndpoint.Seconds(_options.ConnectTimeout),
            ApplicationName = "shop-operator",
        };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or SocketException or IOException
            || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return false;
        }
    }

    /// <summary>
    /// DDL with a PASSWORD clause. Utility statements take no bind parameters, so the literal is built by the
    /// server: <c>format('%s PASSWORD %L', statement, verifier)</c> gets the verifier as a bind parameter and
    /// quotes it with PostgreSQL's own quote_literal rules (right for any standard_conforming_strings setting),
    /// then the result runs as a second statement. A DO block would not help: it takes no parameters either.
    /// What goes into the statement is the SCRAM verifier, never the password (see <see cref="ScramVerifier"/>).
    /// </summary>
    private static async Task ExecuteWithPasswordAsync(NpgsqlConnection connection, string statement, string password, CancellationToken ct)
    {
        string sql;
        await using (var format = new NpgsqlCommand("SELECT format('%s PASSWORD %L', $1::text, $2::text)", connection))
        {
            format.Parameters.Add(new NpgsqlParameter { Value = statement });
            format.Parameters.Add(new NpgsqlParameter { Value = ScramVerifier.Compute(password) });
            sql = (string)(await format.ExecuteScalarAsync(ct))!;
        }

        await ExecuteAsync(connection, sql, ct);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
#pragma warning disable CA2100 // identifiers are quoted by Quote, literals by the server's format(%L): see the README
        await using var command = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        await command.ExecuteNonQueryAsync(ct);
    }

    private static string Quote(string identifier) => DatabaseNames.QuoteIdentifier(identifier);

    private static ProvisionResult? Classify(Exception e, AdminEndpoint admin, string? password, CancellationToken ct)
    {
        if (e is OperationCanceledException && ct.IsCancellationRequested)
        {
            return null;
        }

        var where = $"{admin.Host}:{admin.Port}";
        ProvisionResult? result = e switch
        {
            PostgresException p when p.SqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification =>
                new(false, ProvisionReasons.AuthenticationFailed, $"PostgreSQL at {where} rejected the admin user {admin.Username} ({p.SqlState}: {p.MessageText})"),
            PostgresException p when p.SqlState is PostgresErrorCodes.InsufficientPrivilege =>
                new(false, ProvisionReasons.PermissionDenied, $"the admin user {admin.Username} lacks a privilege ({p.SqlState}: {p.MessageText}); it needs CREATEROLE and CREATEDB"),
            PostgresException p when p.SqlState is PostgresErrorCodes.InvalidCatalogName =>
                new(false, ProvisionReasons.InvalidAdminSecret, $"the admin Secret's database {admin.Database} does not exist on {where} ({p.SqlState})"),
            PostgresException p when p.SqlState is PostgresErrorCodes.LockNotAvailable =>
                new(false, ProvisionReasons.Busy, $"another provisioning of the same database is in progress ({p.SqlState}: {p.MessageText})"),
            PostgresException p when p.SqlState is PostgresErrorCodes.DependentObjectsStillExist =>
                new(false, ProvisionReasons.DependentObjects, $"the role still owns objects or holds privileges elsewhere ({p.SqlState}: {p.MessageText})"),
            PostgresException p when p.SqlState.StartsWith("08", StringComparison.Ordinal)
                || p.SqlState.StartsWith("57P", StringComparison.Ordinal)
                || p.SqlState is PostgresErrorCodes.TooManyConnections =>
                new(false, ProvisionReasons.ServerUnreachable, $"PostgreSQL at {where} is not accepting connections ({p.SqlState}: {p.MessageText})"),
            PostgresException p =>
                new(false, ProvisionReasons.ProvisioningFailed, $"PostgreSQL at {where} refused ({p.SqlState}: {p.MessageText})"),
            NpgsqlException or TimeoutException or SocketException or IOException or OperationCanceledException =>
                new(false, ProvisionReasons.ServerUnreachable, $"cannot reach PostgreSQL at {where}: {e.GetBaseException().Message}"),
            _ => null,
        };
        return result is null ? null : result with { Message = Scrub(result.Message, password, admin.Password) };
    }

    /// <summary>Belt and braces: no server or driver message is expected to echo a password, but none may.</summary>
    private static string Scrub(string message, params string?[] secrets)
    {
        foreach (var secret in secrets)
        {
            if (secret is { Length: >= 4 })
            {
                message = message.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        return message;
    }
}
