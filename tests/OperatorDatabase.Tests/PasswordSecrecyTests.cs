using Npgsql;
using ShopOperator.Database;
using Testing.Postgres;
using Xunit;

namespace OperatorDatabase.Tests;

[Collection(PostgresFixture.Collection)]
public sealed class PasswordSecrecyTests(PostgresFixture fixture)
{
    private readonly Pg _pg = new(fixture.Server);

    [SkippableFact]
    public async Task The_password_never_reaches_the_server_log_even_with_every_statement_logged()
    {
        Skip.IfNot(fixture.Server.Mode == "local-binaries", "reads the server log file, which only the local-binaries server writes where PostgreSQL can read it");
        // log_statement=all only for sessions in this test's own maintenance database: the shared server stays quiet.
        var maintenance = new NpgsqlConnectionStringBuilder(await fixture.Server.CreateDatabaseAsync("logged")).Database!;
        await _pg.ExecuteAsync($"ALTER DATABASE {DatabaseNames.QuoteIdentifier(maintenance)} SET log_statement = 'all'");
        var admin = _pg.Admin(database: maintenance);
        var names = Pg.NewNames();
        var first = PasswordGenerator.Generate();
        var second = PasswordGenerator.Generate();
        var provisioner = new DatabaseProvisioner();

        Assert.True((await provisioner.EnsureAsync(admin, names, first, default)).Ready);
        Assert.Equal(["SetPassword"], (await provisioner.EnsureAsync(admin, names, second, default)).Changes);
        Assert.True((await provisioner.DropAsync(admin, names, default)).Ready);

        var dataDirectory = (string)(await _pg.ScalarAsync("SELECT current_setting('data_directory')"))!;
        var logPath = Path.Combine(Path.GetDirectoryName(dataDirectory)!, "server.log");
        var log = (string)(await _pg.ScalarAsync("SELECT pg_read_file($1)", logPath))!;
        Assert.Contains($"CREATE ROLE \"{names.Role}\"", log, StringComparison.Ordinal);
        Assert.Contains($"ALTER ROLE \"{names.Role}\" WITH PASSWORD 'SCRAM-SHA-256$4096:", log, StringComparison.Ordinal);
        Assert.DoesNotContain(first, log, StringComparison.Ordinal);
        Assert.DoesNotContain(second, log, StringComparison.Ordinal);
    }
}
