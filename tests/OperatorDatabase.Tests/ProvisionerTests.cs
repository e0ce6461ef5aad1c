using Npgsql;
using ShopOperator.Database;
using Testing.Postgres;
using Xunit;

namespace OperatorDatabase.Tests;

[Collection(PostgresFixture.Collection)]
public sealed class ProvisionerTests(PostgresFixture fixture)
{
    private readonly Pg _pg = new(fixture.Server);
    private readonly DatabaseProvisioner _provisioner = new();

    [Fact]
    public async Task Provisioning_twice_is_a_no_op_without_ddl()
    {
        var names = Pg.NewNames();
        var password = PasswordGenerator.Generate();

        var first = await _provisioner.EnsureAsync(_pg.Admin(), names, password, default);
        Assert.True(first.Ready, first.Message);
        Assert.Equal(ProvisionReasons.Provisioned, first.Reason);
        Assert.Equal(["CreateRole", "CreateDatabase", "RevokePublic"], first.Changes);
        var before = await SnapshotAsync(names);
        Assert.StartsWith("SCRAM-SHA-256$4096:", before, StringComparison.Ordinal);

        var second = await _provisioner.EnsureAsync(_pg.Admin(), names, password, default);
        Assert.True(second.Ready, second.Message);
        Assert.Equal(ProvisionReasons.Provisioned, second.Reason);
        Assert.Empty(second.Changes);
        // Any DDL on the role or database rewrites its catalog row (new xmin); the password hash has a fresh salt each time it is set.
        Assert.Equal(before, await SnapshotAsync(names));
        Assert.DoesNotContain(password, first.Message + second.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shop_role_owns_its_database_and_nothing_more()
    {
        var names = Pg.NewNames();
        var password = PasswordGenerator.Generate();
        var other = Pg.NewNames("other");
        var otherPassword = PasswordGenerator.Generate();
        Assert.True((await _provisioner.EnsureAsync(_pg.Admin(), names, password, default)).Ready);
        Assert.True((await _provisioner.EnsureAsync(_pg.Admin(), other, otherPassword, default)).Ready);

        await using (var shop = await _pg.OpenAsAsync(names.Database, names.Role, password))
        {
            await using var command = new NpgsqlCommand(
                "CREATE TABLE products (id int PRIMARY KEY, name text); INSERT INTO products VALUES (1, 'tea'); SELECT count(*) FROM products", shop);
            Assert.Equal(1L, await command.ExecuteScalarAsync());
            await using var createDb = new NpgsqlCommand("CREATE DATABASE sneaky", shop);
            var denied = await Assert.ThrowsAsync<PostgresException>(() => createDb.ExecuteNonQueryAsync());
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
        }

        var crossed = await _pg.LoginErrorAsync(other.Database, names.Role, password);
        Assert.NotNull(crossed);
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, crossed.SqlState);
        Assert.Null(await _pg.LoginErrorAsync(other.Database, other.Role, otherPassword));

        var attributes = await _pg.ScalarAsync(
            "SELECT format('%s %s %s %s %s %s %s %s', rolsuper, rolcreatedb, rolcreaterole, rolinherit, rolreplication, rolbypassrls, rolcanlogin, rolconnlimit) FROM pg_roles WHERE rolname = $1",
            names.Role);
        Assert.Equal("f f f t f f t 100", attributes);
        Assert.Equal(0L, await _pg.ScalarAsync(
            "SELECT count(*) FROM pg_database d, aclexplode(d.datacl) a WHERE d.datname = $1 AND a.grantee = 0", names.Database));
        Assert.Equal(names.Role, await _pg.ScalarAsync(
            "SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = $1", names.Database));
    }

    [Fact]
    public async Task A_new_password_replaces_the_old_one()
    {
        var names = Pg.NewNames();
        var oldPassword = PasswordGenerator.Generate();
        var newPassword = PasswordGenerator.Generate();
        Assert.True((await _provisioner.EnsureAsync(_pg.Admin(), names, oldPassword, default)).Ready);
        Assert.Null(await _pg.LoginErrorAsync(names.Database, names.Role, oldPassword));

        var rotated = await _provisioner.EnsureAsync(_pg.Admin(), names, newPassword, default);
        Assert.True(rotated.Ready, rotated.Message);
        Assert.Equal(["SetPassword"], rotated.Changes);
        Assert.DoesNotContain(newPassword, rotated.Message, StringComparison.Ordinal);

        Assert.Equal(PostgresErrorCodes.InvalidPassword, (await _pg.LoginErrorAsync(names.Database, names.Role, oldPassword))?.SqlState);
        Assert.Null(await _pg.LoginErrorAsync(names.Database, names.Role, newPassword));
        Assert.Empty((await _provisioner.EnsureAsync(_pg.Admin(), names, newPassword, default)).Changes);
    }

    [Fact]
    public async Task The_shop_connection_string_connects()
    {
        var names = Pg.NewNames();
        var password = PasswordGenerator.Generate();
        Assert.True((await _provisioner.EnsureAsync(_pg.Admin(), names, password, default)).Ready);
        await using var connection = new NpgsqlConnection(Pg.Unpooled(DatabaseProvisioner.ConnectionStringFor(_pg.Admin(), names, password)));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_user::text || '/' || current_database()::text", connection);
        Assert.Equal($"{names.Role}/{names.Database}", await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Drop_removes_database_and_role_even_with_open_sessions_and_is_idempotent()
    {
        var names = Pg.NewNames();
        var password = PasswordGenerator.Generate();
        Assert.True((await _provisioner.EnsureAsync(_pg.Admin(), names, password, default)).Ready);
        await using var session = await _pg.OpenAsAsync(names.Database, names.Role, password);

        var dropped = await _provisioner.DropAsync(_pg.Admin(), names, default);
        Assert.True(dropped.Ready, dropped.Message);
        Assert.Equal(ProvisionReasons.Dropped, dropped.Reason);
        Assert.Equal(["DropDatabase", "DropRole"], dropped.Changes);
        Assert.False(await _pg.DatabaseExistsAsync(names.Database));
        Assert.False(await _pg.RoleExistsAsync(names.Role));
        await using (var command = new NpgsqlCommand("SELECT 1", session))
        {
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => command.ExecuteScalarAsync());
        }

        var again = await _provisioner.DropAsync(_pg.Admin(), names, default);
        Assert.True(again.Ready, again.Message);
        Assert.Equal(ProvisionReasons.Dropped, again.Reason);
        Assert.Empty(again.Changes);

        var never = await _provisioner.DropAsync(_pg.Admin(), Pg.NewNames(), default);
        Assert.Equal(ProvisionReasons.Dropped, never.Reason);
        Assert.Empty(never.Changes);

        // A ShopInstance re-created under the same name after a Delete gets a fresh, working database.
        var recreated = await _provisioner.EnsureAsync(_pg.Admin(), names, password, default);
        Assert.Equal(["CreateRole", "CreateDatabase", "RevokePublic"], recreated.Changes);
        Assert.Null(await _pg.LoginErrorAsync(names.Database, names.Role, password));
    }

    [Fact]
    public async Task Drift_is_repaired_with_only_the_statements_needed()
    {
        var names = Pg.NewNames();
        var password = PasswordGenerator.Generate();
        Assert.True((await _provisioner.EnsureAsync(_pg.Admin(), names, password, default)).Ready);
        var role = DatabaseNames.QuoteIdentifier(names.Role);
        var database = DatabaseNames.QuoteIdentifier(names.Database);
        await _pg.ExecuteAsync($"ALTER ROLE {role} SUPERUSER CREATEDB NOINHERIT CONNECTION LIMIT 5 VALID UNTIL '2000-01-01'");
        await _pg.ExecuteAsync($"ALTER DATABASE {database} OWNER TO postgres");
        await _pg.ExecuteAsync($"GRANT CONNECT ON DATABASE {database} TO PUBLIC");

        var repaired = await _provisioner.EnsureAsync(_pg.Admin(), names, password, default);
        Assert.True(repaired.Ready, repaired.Message);
        // The expired VALID UNTIL is lifted before the login check, so the (unchanged) password is not re-set.
        Assert.Equal(["AlterRole", "AlterDatabaseOwner", "RevokePublic"], repaired.Changes);
        Assert.Equal("f f t 100 t", await _pg.ScalarAsync(
            "SELECT format('%s %s %s %s %s', rolsuper, rolcreatedb, rolinherit, rolconnlimit, rolvaliduntil = 'infinity') FROM pg_roles WHERE rolname = $1", names.Role));
        Assert.Null(await _pg.LoginErrorAsync(names.Database, names.Role, password));
        Assert.Empty((await _provisioner.EnsureAsync(_pg.Admin(), names, password, default)).Changes);
    }

    [Fact]
    public async Task A_database_dropped_behind_the_operators_back_is_recreated()
    {
        var names = Pg.NewNames();
        var password = PasswordGenerator.Generate();
        Assert.True((await _provisioner.EnsureAsync(_pg.Admin(), names, password, default)).Ready);
        await _pg.ExecuteAsync($"DROP DATABASE {DatabaseNames.QuoteIdentifier(names.Database)}");

        var result = await _provisioner.EnsureAsync(_pg.Admin(), names, password, default);
        Assert.Equal(["CreateDatabase", "RevokePublic"], result.Changes);
        Assert.Null(await _pg.LoginErrorAsync(names.Database, names.Role, password));
    }

    [Fact]
    public async Task Concurrent_ensures_for_the_same_names_all_succeed()
    {
        var names = Pg.NewNames();
        var password = PasswordGenerator.Generate();
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            Task.Run(() => new DatabaseProvisioner().EnsureAsync(_pg.Admin(), names, password, default))));

        Assert.All(results, r => Assert.True(r.Ready, r.Message));
        Assert.Single(results, r => r.Changes.Contains("CreateRole"));
        Assert.Single(results, r => r.Changes.Contains("CreateDatabase"));
        Assert.DoesNotContain(results, r => r.Changes.Contains("SetPassword"));
        Assert.Null(await _pg.LoginErrorAsync(names.Database, names.Role, password));
    }

    [Fact]
    public async Task A_role_created_outside_the_operator_is_adopted()
    {
        // Someone (or an operator without the lock) created the role first: duplicate-safe, password set.
        var names = Pg.NewNames();
        var password = PasswordGenerator.Generate();
        await _pg.ExecuteAsync($"CREATE ROLE {DatabaseNames.QuoteIdentifier(names.Role)} LOGIN PASSWORD 'something-else'");

        var result = await _provisioner.EnsureAsync(_pg.Admin(), names, password, default);
        Assert.True(result.Ready, result.Message);
        Assert.Equal(["AlterRole", "CreateDatabase", "RevokePublic", "SetPassword"], result.Changes);
        Assert.Null(await _pg.LoginErrorAsync(names.Database, names.Role, password));
    }

    [Fact]
    public async Task Cancellation_throws_instead_of_reporting()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => _provisioner.EnsureAsync(_pg.Admin(), Pg.NewNames(), PasswordGenerator.Generate(), cancelled.Token));
    }

    [Theory]
    [InlineData("pässword-with-umlaut")]
    [InlineData("")]
    [InlineData("tab\tinside")]
    public async Task Passwords_outside_printable_ascii_are_a_programming_error(string password)
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => _provisioner.EnsureAsync(_pg.Admin(), Pg.NewNames(), password, default));
        if (password.Length > 0)
        {
            Assert.DoesNotContain(password, e.Message, StringComparison.Ordinal);
        }
    }

    private async Task<string> SnapshotAsync(DatabaseNames names) =>
        (string)(await _pg.ScalarAsync(
            """
            SELECT a.rolpassword || ' ' || a.xmin::text || ' ' || d.xmin::text || ' ' || coalesce(d.datacl::text, '')
            FROM pg_authid a, pg_database d WHERE a.rolname = $1 AND d.datname = $2
            """,
            names.Role, names.Database))!;
}
