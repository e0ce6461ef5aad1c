using Npgsql;
using Testing.Postgres;
using Xunit;

namespace Shop.Tests;

[Collection(PostgresFixture.Collection)]
public sealed class PostgresFixtureTests(PostgresFixture fixture)
{
    [Fact]
    public async Task Fixture_serves_a_real_postgres_server_with_isolated_databases()
    {
        var cs = await fixture.Server.CreateDatabaseAsync("fixture");
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT current_setting('server_version_num')::int", conn);
        var version = (int)(await cmd.ExecuteScalarAsync())!;
        Assert.True(version >= 120000, $"server version {version} ({fixture.Server.Mode})");
    }
}
