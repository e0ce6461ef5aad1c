using System.Globalization;
using System.Net;
using Npgsql;
using Testing.Postgres;
using Xunit;

namespace Shop.Tests.Api;

/// <summary>
/// Issue 16: the api tier against a real PostgreSQL with its connection given as a postgresql:// URI (the uri key
/// of CloudNativePG's and Crunchy's Secrets) and as one variable per field (format Fields); a bad value stops the
/// process with exit code 2 and one line naming the problem: no stack trace, no password.
/// </summary>
[Collection(PostgresFixture.Collection)]
public sealed class DatabaseSecretShapesTests(PostgresFixture fixture)
{
    [Fact]
    public async Task The_api_serves_from_a_postgresql_uri()
    {
        await using var api = await ApiApp.StartAsync(fixture.Server, "dburi", db =>
        {
            var c = new NpgsqlConnectionStringBuilder(db);
            return $"postgresql://{Uri.EscapeDataString(c.Username!)}:{Uri.EscapeDataString(c.Password!)}@{c.Host}:{c.Port.ToString(CultureInfo.InvariantCulture)}/{Uri.EscapeDataString(c.Database!)}?sslmode=disable&application_name=shop%20uri";
        });
        await AssertServesAsync(api);
    }

    [Fact]
    public async Task The_api_serves_from_key_per_field_variables()
    {
        await using var api = await ApiApp.StartAsync(fixture.Server, "dbfields", extra: db =>
        {
            var c = new NpgsqlConnectionStringBuilder(db);
            return new Dictionary<string, string?>
            {
                ["SHOP_DB_CONNECTION"] = null,
                ["SHOP_DB_HOST"] = c.Host,
                ["SHOP_DB_PORT"] = c.Port.ToString(CultureInfo.InvariantCulture),
                ["SHOP_DB_NAME"] = c.Database,
                ["SHOP_DB_USERNAME"] = c.Username,
                ["SHOP_DB_PASSWORD"] = c.Password,
                ["SHOP_DB_SSLMODE"] = "disable",
            };
        });
        await AssertServesAsync(api);
    }

    [Theory]
    [InlineData("api", "SHOP_DB_CONNECTION", "postgresql://shop:Sup3rS3cret@db:99999/shop", "the port must be a number from 1 to 65535")]
    [InlineData("api", "SHOP_DB_CONNECTION", "postgresql://shop:Sup3rS3cret%zz@db/shop", "the password has a '%' not followed by two hex digits")]
    [InlineData("api", "SHOP_DB_CONNECTION", "Host=db;Password=Sup3rS3cret;Nonsense=1", "nor a valid Npgsql connection string")]
    [InlineData("api", "SHOP_DB_HOST", "db", "SHOP_DB_NAME is required")]
    [InlineData("migrate", "SHOP_DB_CONNECTION", "postgresql://shop:Sup3rS3cret@db/shop?sslmode=sometimes", "sslmode must be one of")]
    public async Task A_bad_value_exits_2_with_one_clear_line(string role, string variable, string value, string expected)
    {
        await using var shop = ShopProcess.Start(role, new Dictionary<string, string>
        {
            [variable] = value,
            ["SHOP_LISTEN_ADDRESS"] = "127.0.0.1",
            ["SHOP_HTTP_PORT"] = Ports.FreeTcpPort().ToString(CultureInfo.InvariantCulture),
            ["SHOP_METRICS_PORT"] = Ports.FreeTcpPort().ToString(CultureInfo.InvariantCulture),
            ["SHOP_LOG_FORMAT"] = "text",
        });
        var code = await shop.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var output = shop.Output;
        Assert.True(code == 2, $"exit code {code}:\n{output}");
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.Contains($"shop {role}", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Sup3rS3cret", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }

    private static async Task AssertServesAsync(ApiApp api)
    {
        using var http = api.NewShopper();
        using var response = await http.GetAsync(new Uri("api/categories", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
