using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ShopOperator.Database;
using Testing.Postgres;
using Xunit;

namespace OperatorDatabase.Tests;

[Collection(PostgresFixture.Collection)]
public sealed class FailureTests(PostgresFixture fixture)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly Pg _pg = new(fixture.Server);
    private readonly DatabaseProvisioner _provisioner = new();

    [Fact]
    public async Task Nothing_listening_is_server_unreachable_quickly()
    {
        var admin = _pg.Admin(port: Ports.FreeTcpPort());
        var clock = Stopwatch.StartNew();
        var ensured = await _provisioner.EnsureAsync(admin, Pg.NewNames(), PasswordGenerator.Generate(), default);
        var dropped = await _provisioner.DropAsync(admin, Pg.NewNames(), default);
        Assert.True(clock.Elapsed < Bound, $"took {clock.Elapsed}");
        foreach (var result in new[] { ensured, dropped })
        {
            Assert.False(result.Ready);
            Assert.Equal(ProvisionReasons.ServerUnreachable, result.Reason);
            Assert.Contains($"{admin.Host}:{admin.Port}", result.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(admin.Password, result.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_server_that_accepts_but_never_answers_is_unreachable_after_the_connect_timeout()
    {
        // A listening socket nobody reads from: TCP connects, the startup handshake never gets an answer.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var admin = _pg.Admin(port: ((IPEndPoint)listener.LocalEndpoint).Port);
        var provisioner = new DatabaseProvisioner(new DatabaseProvisionerOptions { ConnectTimeout = TimeSpan.FromSeconds(2) });

        var clock = Stopwatch.StartNew();
        var result = await provisioner.EnsureAsync(admin, Pg.NewNames(), PasswordGenerator.Generate(), default);
        Assert.True(clock.Elapsed < Bound, $"took {clock.Elapsed}");
        Assert.Equal(ProvisionReasons.ServerUnreachable, result.Reason);
    }

    [Fact]
    public async Task A_stopped_server_is_unreachable_and_provisioning_resumes_when_it_is_back()
    {
        var names = Pg.NewNames();
        var password = PasswordGenerator.Generate();
        await fixture.Server.SuspendAsync();
        ProvisionResult whileDown;
        TimeSpan elapsed;
        try
        {
            var clock = Stopwatch.StartNew();
            whileDown = await _provisioner.EnsureAsync(_pg.Admin(), names, password, default);
            elapsed = clock.Elapsed;
        }
        finally
        {
            await fixture.Server.ResumeAsync();
        }

        Assert.Equal(ProvisionReasons.ServerUnreachable, whileDown.Reason);
        Assert.False(whileDown.Ready);
        Assert.True(elapsed < Bound, $"took {elapsed}");

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        ProvisionResult after;
        do
        {
            after = await _provisioner.EnsureAsync(_pg.Admin(), names, password, default);
        }
        while (!after.Ready && after.Reason == ProvisionReasons.ServerUnreachable && DateTime.UtcNow < deadline && await Delay());

        Assert.True(after.Ready, after.Message);
        Assert.Null(await _pg.LoginErrorAsync(names.Database, names.Role, password));
    }

    [Fact]
    public async Task A_wrong_admin_password_is_authentication_failed()
    {
        const string wrong = "definitely-not-the-password";
        var result = await _provisioner.EnsureAsync(_pg.Admin(password: wrong), Pg.NewNames(), PasswordGenerator.Generate(), default);
        Assert.False(result.Ready);
        Assert.Equal(ProvisionReasons.AuthenticationFailed, result.Reason);
        Assert.Contains("28P01", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, result.Message, StringComparison.Ordinal);

        var drop = await _provisioner.DropAsync(_pg.Admin(password: wrong), Pg.NewNames(), default);
        Assert.Equal(ProvisionReasons.AuthenticationFailed, drop.Reason);
    }

    [Fact]
    public async Task An_unknown_admin_user_is_authentication_failed()
    {
        var result = await _provisioner.EnsureAsync(_pg.Admin(username: "nobody_" + Guid.NewGuid().ToString("N")[..8]), Pg.NewNames(), PasswordGenerator.Generate(), default);
        Assert.Equal(ProvisionReasons.AuthenticationFailed, result.Reason);
    }

    [Fact]
    public async Task A_missing_maintenance_database_is_an_invalid_admin_secret()
    {
        var result = await _provisioner.EnsureAsync(_pg.Admin(database: "no_such_db"), Pg.NewNames(), PasswordGenerator.Generate(), default);
        Assert.Equal(ProvisionReasons.InvalidAdminSecret, result.Reason);
        Assert.Contains("no_such_db", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_superuser_admin_like_an_rds_master_user_can_provision_and_drop()
    {
        var (admin, _) = await CreateAdminAsync("CREATEROLE CREATEDB");
        var names = Pg.NewNames();
        var password = PasswordGenerator.Generate();

        var first = await _provisioner.EnsureAsync(admin, names, password, default);
        Assert.True(first.Ready, first.Message);
        Assert.Equal(["CreateRole", "GrantRoleToAdmin", "CreateDatabase", "RevokePublic"], first.Changes);
        Assert.Empty((await _provisioner.EnsureAsync(admin, names, password, default)).Changes);
        Assert.Equal(["SetPassword"], (await _provisioner.EnsureAsync(admin, names, password + "x", default)).Changes);

        await using (var shop = await _pg.OpenAsAsync(names.Database, names.Role, password + "x"))
        {
            await using var command = new Npgsql.NpgsqlCommand("CREATE TABLE t (id int)", shop);
            await command.ExecuteNonQueryAsync();
        }

        var dropped = await _provisioner.DropAsync(admin, names, default);
        Assert.True(dropped.Ready, dropped.Message);
        Assert.False(await _pg.DatabaseExistsAsync(names.Database));
        Assert.False(await _pg.RoleExistsAsync(names.Role));
    }

    [Theory]
    [InlineData("CREATEROLE")]
    [InlineData("CREATEDB")]
    public async Task An_admin_without_createdb_or_createrole_is_permission_denied(string attributes)
    {
        var (admin, adminPassword) = await CreateAdminAsync(attributes);
        var result = await _provisioner.EnsureAsync(admin, Pg.NewNames(), PasswordGenerator.Generate(), default);
        Assert.False(result.Ready);
        Assert.Equal(ProvisionReasons.PermissionDenied, result.Reason);
        Assert.Contains("42501", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(adminPassword, result.Message, StringComparison.Ordinal);
    }

    private async Task<(AdminEndpoint Admin, string Password)> CreateAdminAsync(string attributes)
    {
        var user = "admin_" + Guid.NewGuid().ToString("N")[..12];
        var password = PasswordGenerator.Generate();
        await _pg.ExecuteAsync($"CREATE ROLE {user} LOGIN {attributes} PASSWORD '{password}'");
        return (_pg.Admin(password: password, username: user), password);
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(200);
        return true;
    }
}
