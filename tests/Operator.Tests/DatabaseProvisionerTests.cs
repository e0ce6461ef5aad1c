using System.Net;
using System.Net.Sockets;
using Npgsql;
using ShopOperator.Database;
using ShopOperator.Reconcile;
using Testing.Postgres;

namespace Operator.Tests;

/// <summary>
/// The reconciler's adapter over ShopOperator.Database against a real PostgreSQL (the shared fixture): the SQL
/// itself is covered by tests/OperatorDatabase.Tests; here, what the reconciler relies on.
/// </summary>
[Collection(PostgresFixture.Collection)]
public sealed class DatabaseProvisionerTests(PostgresFixture fixture)
{
    private readonly ShopOperator.Reconcile.DatabaseProvisioner _provisioner = new();

    private Dictionary<string, string> Admin(string? password = null, int? port = null) => new()
    {
        ["host"] = fixture.Server.Host,
        ["port"] = (port ?? fixture.Server.Port).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["username"] = PostgresServer.AdminUser,
        ["password"] = password ?? fixture.Server.AdminPassword,
    };

    private static DatabaseRequest Request(string name) => new("shop-test", name, "pg-admin", name + "-db", DeleteOnRemoval: true);

    private static async Task<bool> CanConnectAsync(string connectionString)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS probe (id int)", connection);
            await command.ExecuteNonQueryAsync();
            return true;
        }
        catch (PostgresException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Provisioning_twice_is_a_no_op_and_the_shop_can_connect_and_create_tables()
    {
        var name = "p" + Guid.NewGuid().ToString("N")[..8];
        var password = SecretValues.NewPassword();

        var first = await _provisioner.EnsureAsync(Request(name), Admin(), password, CancellationToken.None);
        var second = await _provisioner.EnsureAsync(Request(name), Admin(), password, CancellationToken.None);

        Assert.True(first.Ready, first.Message);
        Assert.True(second.Ready, second.Message);
        Assert.Equal("Provisioned", second.Reason);
        Assert.True(await CanConnectAsync(second.ConnectionString!));
        Assert.DoesNotContain(password, second.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_password_replaces_the_old_one()
    {
        var name = "r" + Guid.NewGuid().ToString("N")[..8];
        var old = await _provisioner.EnsureAsync(Request(name), Admin(), SecretValues.NewPassword(), CancellationToken.None);
        var rotated = await _provisioner.EnsureAsync(Request(name), Admin(), SecretValues.NewPassword(), CancellationToken.None);

        Assert.False(await CanConnectAsync(old.ConnectionString!));
        Assert.True(await CanConnectAsync(rotated.ConnectionString!));
    }

    [Fact]
    public async Task Drop_removes_database_and_role()
    {
        var name = "d" + Guid.NewGuid().ToString("N")[..8];
        var outcome = await _provisioner.EnsureAsync(Request(name), Admin(), SecretValues.NewPassword(), CancellationToken.None);

        await _provisioner.DropAsync(Request(name), Admin(), CancellationToken.None);
        await _provisioner.DropAsync(Request(name), Admin(), CancellationToken.None);

        await using var admin = new NpgsqlConnection(fixture.Server.AdminConnectionString);
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_roles WHERE rolname = $1", admin) { Parameters = { new() { Value = DatabaseNames.For("shop-test", name).Role } } };
        Assert.Equal(0L, await command.ExecuteScalarAsync());
        Assert.False(await CanConnectAsync(outcome.ConnectionString!));
    }

    [Fact]
    public async Task A_wrong_admin_password_is_AuthenticationFailed()
    {
        var outcome = await _provisioner.EnsureAsync(Request("wrong"), Admin(password: "not-the-password"), SecretValues.NewPassword(), CancellationToken.None);

        Assert.False(outcome.Ready);
        Assert.Equal("AuthenticationFailed", outcome.Reason);
        Assert.DoesNotContain("not-the-password", outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_is_ServerUnreachable()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var outcome = await _provisioner.EnsureAsync(Request("gone"), Admin(port: closedPort), SecretValues.NewPassword(), CancellationToken.None);

        Assert.False(outcome.Ready);
        Assert.Equal("ServerUnreachable", outcome.Reason);
    }

    [Theory]
    [InlineData("host")]
    [InlineData("username")]
    [InlineData("password")]
    public async Task An_admin_Secret_without_a_required_key_is_InvalidAdminSecret(string missing)
    {
        var admin = Admin();
        admin.Remove(missing);

        var outcome = await _provisioner.EnsureAsync(Request("invalid"), admin, SecretValues.NewPassword(), CancellationToken.None);

        Assert.False(outcome.Ready);
        Assert.Equal(ProvisionReasons.InvalidAdminSecret, outcome.Reason);
        Assert.Contains(missing, outcome.Message, StringComparison.Ordinal);
        Assert.Contains("pg-admin", outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_drop_that_cannot_reach_the_server_throws_so_the_finalizer_stays()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var e = await Assert.ThrowsAsync<DatabaseCleanupException>(() => _provisioner.DropAsync(Request("gone"), Admin(port: closedPort), CancellationToken.None));

        Assert.Contains(ProvisionReasons.ServerUnreachable, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Generated_passwords_are_long_random_and_safe_in_a_connection_string()
    {
        var passwords = Enumerable.Range(0, 50).Select(_ => SecretValues.NewPassword()).ToList();

        Assert.Equal(passwords.Count, passwords.Distinct(StringComparer.Ordinal).Count());
        Assert.All(passwords, p => Assert.Matches("^[A-Za-z0-9_-]{43}$", p));
    }
}
