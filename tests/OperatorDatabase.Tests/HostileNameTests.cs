using Npgsql;
using ShopOperator.Database;
using Testing.Postgres;
using Xunit;

namespace OperatorDatabase.Tests;

/// <summary>Names straight from the constructor (not <see cref="DatabaseNames.For"/>) carrying SQL: quoting must hold.</summary>
[Collection(PostgresFixture.Collection)]
public sealed class HostileNameTests(PostgresFixture fixture)
{
    private readonly Pg _pg = new(fixture.Server);
    private readonly DatabaseProvisioner _provisioner = new();

    [Theory]
    [InlineData("x\"; DROP TABLE y; --")]
    [InlineData("x'; DROP TABLE y; --")]
    [InlineData("%I %L %s %% y")]
    [InlineData("$$; DROP TABLE y; $$")]
    [InlineData("Shöp 名前 ☃ \"q\"")]
    [InlineData("back\\slash'\"")]
    public async Task Names_with_quotes_semicolons_and_unicode_are_quoted_safely(string hostile)
    {
        // The sentinel table y lives in the admin's maintenance database, where the statements run.
        var sentinelDatabase = new NpgsqlConnectionStringBuilder(await fixture.Server.CreateDatabaseAsync("sentinel")).Database!;
        await _pg.ExecuteAsync("CREATE TABLE y (id int); INSERT INTO y VALUES (42)", sentinelDatabase);
        var admin = _pg.Admin(database: sentinelDatabase);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var names = new DatabaseNames(hostile + suffix, hostile + suffix + "r");
        var password = PasswordGenerator.Generate();

        var ensured = await _provisioner.EnsureAsync(admin, names, password, default);
        Assert.True(ensured.Ready, ensured.Message);
        Assert.True(await _pg.DatabaseExistsAsync(names.Database));
        Assert.True(await _pg.RoleExistsAsync(names.Role));
        Assert.Null(await _pg.LoginErrorAsync(names.Database, names.Role, password));
        Assert.Empty((await _provisioner.EnsureAsync(admin, names, password, default)).Changes);

        var rotated = await _provisioner.EnsureAsync(admin, names, PasswordGenerator.Generate(), default);
        Assert.Equal(["SetPassword"], rotated.Changes);

        var dropped = await _provisioner.DropAsync(admin, names, default);
        Assert.True(dropped.Ready, dropped.Message);
        Assert.False(await _pg.DatabaseExistsAsync(names.Database));
        Assert.False(await _pg.RoleExistsAsync(names.Role));

        await using var check = await _pg.OpenAsAsync(sentinelDatabase, PostgresServer.AdminUser, fixture.Server.AdminPassword);
        await using var command = new NpgsqlCommand("SELECT id FROM y", check);
        Assert.Equal(42, await command.ExecuteScalarAsync());
    }
}
