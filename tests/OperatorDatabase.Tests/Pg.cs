using Npgsql;
using ShopOperator.Database;
using Testing.Postgres;

namespace OperatorDatabase.Tests;

/// <summary>Test-side access to the fixture's server: admin endpoints, catalog reads, logins as a shop role.</summary>
internal sealed class Pg(PostgresServer server)
{
    public PostgresServer Server => server;

    public AdminEndpoint Admin(string? password = null, int? port = null, string? username = null, string database = "postgres") =>
        new(server.Host, port ?? server.Port, username ?? PostgresServer.AdminUser, password ?? server.AdminPassword, SslMode.Prefer, database);

    public static DatabaseNames NewNames(string name = "shop") =>
        DatabaseNames.For("t-" + Guid.NewGuid().ToString("N")[..12], name);

    public async Task<object?> ScalarAsync(string sql, params object[] args)
    {
        await using var connection = new NpgsqlConnection(Unpooled(server.AdminConnectionString));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var arg in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        }

        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }

    public async Task ExecuteAsync(string sql, string database = "postgres")
    {
        await using var connection = new NpgsqlConnection(Unpooled(server.ConnectionString(database)));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<bool> RoleExistsAsync(string role) =>
        await ScalarAsync("SELECT count(*) FROM pg_roles WHERE rolname = $1", role) is 1L;

    public async Task<bool> DatabaseExistsAsync(string database) =>
        await ScalarAsync("SELECT count(*) FROM pg_database WHERE datname = $1", database) is 1L;

    /// <summary>Opens an unpooled connection as <paramref name="user"/>; null on success, else the server's error.</summary>
    public async Task<PostgresException?> LoginErrorAsync(string database, string user, string password)
    {
        try
        {
            await using var connection = await OpenAsAsync(database, user, password);
            return null;
        }
        catch (PostgresException e)
        {
            return e;
        }
    }

    public async Task<NpgsqlConnection> OpenAsAsync(string database, string user, string password)
    {
        var connection = new NpgsqlConnection(Unpooled(server.ConnectionString(database, user, password)));
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Pooled connections would reuse a session authenticated with an old password.</summary>
    public static string Unpooled(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
}
