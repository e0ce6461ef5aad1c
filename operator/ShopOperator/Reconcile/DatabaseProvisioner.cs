using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace ShopOperator.Reconcile;

/// <summary>
/// Creates the shop's PostgreSQL role and database with Npgsql, idempotently: safe on every reconcile and
/// when either already exists; the role's password is (re)set to the one of the shop's database Secret.
/// Identifiers are derived from namespace and name, reduced to [a-z0-9_], bounded to 63 bytes with a hash
/// suffix when long, and always quoted; values go as parameters, and the password, which DDL cannot take
/// as a parameter, is a quoted literal of a fixed alphabet. The password never reaches a log or a message.
/// (A stand-in until ShopOperator.Database's provisioner is wired in.)
/// </summary>
public sealed class DatabaseProvisioner : IDatabaseProvisioner
{
    public async Task<DatabaseOutcome> EnsureAsync(DatabaseRequest request, IReadOnlyDictionary<string, string> admin, string password, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = Identifier(request.Namespace, request.ShopName);
        try
        {
            await using var connection = new NpgsqlConnection(AdminConnectionString(admin));
            await connection.OpenAsync(ct);
            var roleExists = await ExistsAsync(connection, "SELECT 1 FROM pg_roles WHERE rolname = $1", name, ct);
            var verb = roleExists ? "ALTER" : "CREATE";
            await ExecuteAsync(connection, $"{verb} ROLE {Quote(name)} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {Literal(password)}", ct);
            if (!await ExistsAsync(connection, "SELECT 1 FROM pg_database WHERE datname = $1", name, ct))
            {
                try
                {
                    await ExecuteAsync(connection, $"CREATE DATABASE {Quote(name)} OWNER {Quote(name)}", ct);
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
                {
                    // Created concurrently: fine.
                }
            }

            await ExecuteAsync(connection, $"REVOKE ALL ON DATABASE {Quote(name)} FROM PUBLIC", ct);
            var shop = new NpgsqlConnectionStringBuilder(AdminConnectionString(admin))
            {
                Database = name,
                Username = name,
                Password = password,
            };
            return new DatabaseOutcome(true, "Provisioned", $"role and database {name} exist", password, shop.ConnectionString);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification)
        {
            return new DatabaseOutcome(false, "AuthenticationFailed", $"the admin credentials of Secret {request.AdminSecretName} were rejected ({e.SqlState})");
        }
        catch (PostgresException e)
        {
            return new DatabaseOutcome(false, "ProvisioningFailed", $"PostgreSQL refused: {e.SqlState} {e.MessageText}");
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            return new DatabaseOutcome(false, "ServerUnreachable", $"cannot reach {admin.GetValueOrDefault("host")}:{admin.GetValueOrDefault("port") ?? "5432"}: {e.GetBaseException().Message}");
        }
        catch (ArgumentException e)
        {
            return new DatabaseOutcome(false, "AdminSecretInvalid", $"Secret {request.AdminSecretName}: {e.Message}");
        }
    }

    public async Task DropAsync(DatabaseRequest request, IReadOnlyDictionary<string, string> admin, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = Identifier(request.Namespace, request.ShopName);
        await using var connection = new NpgsqlConnection(AdminConnectionString(admin));
        await connection.OpenAsync(ct);
        await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS {Quote(name)} WITH (FORCE)", ct);
        await ExecuteAsync(connection, $"DROP ROLE IF EXISTS {Quote(name)}", ct);
    }

    /// <summary>shop_{namespace}_{name}, lower case, [a-z0-9_] only, at most 63 bytes (a hash keeps long ones unique).</summary>
    public static string Identifier(string ns, string name)
    {
        var raw = $"shop_{ns}_{name}".ToLowerInvariant();
        var clean = new StringBuilder(raw.Length);
        foreach (var c in raw)
        {
            clean.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? c : '_');
        }

        var id = clean.ToString();
        if (id.Length <= 63)
        {
            return id;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(raw)))[..8];
        return id[..54] + "_" + hash;
    }

    private static string AdminConnectionString(IReadOnlyDictionary<string, string> admin)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = admin.GetValueOrDefault("host") ?? throw new ArgumentException("key host is missing"),
            Port = int.TryParse(admin.GetValueOrDefault("port") ?? "5432", System.Globalization.CultureInfo.InvariantCulture, out var port) ? port : throw new ArgumentException("key port is not a number"),
            Username = admin.GetValueOrDefault("username") ?? throw new ArgumentException("key username is missing"),
            Password = admin.GetValueOrDefault("password") ?? throw new ArgumentException("key password is missing"),
            Database = admin.GetValueOrDefault("database") ?? "postgres",
            Timeout = 5,
            Pooling = false,
        };
        if (admin.GetValueOrDefault("sslmode") is { } sslMode)
        {
            builder.SslMode = Enum.Parse<SslMode>(sslMode, ignoreCase: true);
        }

        return builder.ConnectionString;
    }

    private static async Task<bool> ExistsAsync(NpgsqlConnection connection, string sql, string value, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue(value);
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
#pragma warning disable CA2100 // identifiers are derived and quoted, the password literal is escaped: see the class comment
        await using var command = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        await command.ExecuteNonQueryAsync(ct);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
