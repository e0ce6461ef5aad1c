using Microsoft.Extensions.Configuration;
using Npgsql;
using Shop.Hosting;
using Xunit;

namespace Shop.Tests.Api;

/// <summary>
/// Issue 16: the database Secret in the shapes other tools write. A postgresql:// URI (CloudNativePG's and Crunchy's
/// <c>uri</c> key; Npgsql does not parse URIs) and key-per-field Secrets become one Npgsql connection string; a bad
/// value is a configuration error that names the part and never quotes a user name or password.
/// </summary>
public sealed class DatabaseConnectionTests
{
    private const string Secret = "s3cr3t-Pa55";

    [Fact]
    public void A_CloudNativePG_uri_becomes_an_Npgsql_connection_string()
    {
        // The shape of the uri key of CNPG's <cluster>-app Secret.
        var built = Parse("postgresql://app:p%40ss%3Aw%2Fo%25rd@shop-db-rw.shop-dev:5432/app");
        Assert.Equal("shop-db-rw.shop-dev", built.Host);
        Assert.Equal(5432, built.Port);
        Assert.Equal("app", built.Database);
        Assert.Equal("app", built.Username);
        Assert.Equal("p@ss:w/o%rd", built.Password);
    }

    [Fact]
    public void Query_parameters_map_to_Npgsql_keywords()
    {
        var built = Parse("postgres://u:pw@db.example.com:6432/shop?sslmode=verify-full&connect_timeout=7&application_name=shop%20api&target_session_attrs=read-write&sslrootcert=/etc/ca.crt&channel_binding=require");
        Assert.Equal(SslMode.VerifyFull, built.SslMode);
        Assert.Equal(7, built.Timeout);
        Assert.Equal("shop api", built.ApplicationName);
        Assert.Equal("read-write", built.TargetSessionAttributes);
        Assert.Equal("/etc/ca.crt", built.RootCertificate);
        Assert.Equal(ChannelBinding.Require, built.ChannelBinding);
        Assert.Equal(6432, built.Port);
    }

    [Theory]
    [InlineData("postgresql://u:pw@[2001:db8::7]:5433/shop", "2001:db8::7", 5433)]
    [InlineData("POSTGRESQL://u:pw@10.0.0.5/shop", "10.0.0.5", 5432)]
    [InlineData("postgresql://u:pw@a.example.com:5432,b.example.com:5433/shop", "a.example.com:5432,b.example.com:5433", 5432)]
    [InlineData("  postgresql://u:pw@db/shop\n", "db", 5432)]
    public void Hosts_ports_and_lists(string uri, string host, int port)
    {
        var built = Parse(uri);
        Assert.Equal(host, built.Host);
        Assert.Equal(port, built.Port);
    }

    [Fact]
    public void A_semicolon_or_equals_sign_in_a_value_stays_in_that_value()
    {
        // A password that looks like more keywords must not become them.
        var built = Parse("postgresql://u:a%3BHost%3Devil.example.com%3BSSL%20Mode%3DDisable@db/shop?application_name=x%3BPassword%3Dy");
        Assert.Equal("db", built.Host);
        Assert.Equal("a;Host=evil.example.com;SSL Mode=Disable", built.Password);
        Assert.Equal("x;Password=y", built.ApplicationName);
        Assert.NotEqual(SslMode.Disable, built.SslMode);
    }

    [Fact]
    public void A_plus_sign_is_not_a_space()
    {
        Assert.Equal("a+b", Parse("postgresql://u:a+b@db/shop").Password);
    }

    [Theory]
    [InlineData("postgresql://u:" + Secret + "@db:0/shop", "port")]
    [InlineData("postgresql://u:" + Secret + "@db:65536/shop", "port")]
    [InlineData("postgresql://u:" + Secret + "@db:54x/shop", "port")]
    [InlineData("postgresql://u:" + Secret + "@db:/shop", "port")]
    [InlineData("postgresql://u:" + Secret + "%zz@db/shop", "password has a '%'")]
    [InlineData("postgresql://u:" + Secret + "%4@db/shop", "password has a '%'")]
    [InlineData("postgresql://u:" + Secret + "%@db/shop", "password has a '%'")]
    [InlineData("postgresql://u:" + Secret + "%ff@db/shop", "password does not decode to UTF-8")]
    [InlineData("postgresql://u:" + Secret + "%00@db/shop", "password contains a control character")]
    [InlineData("postgresql://u:" + Secret + "%0A@db/shop", "password contains a control character")]
    [InlineData("postgresql://u:" + Secret + "@x@db/shop", "%40")]
    [InlineData("postgresql://u:" + Secret + "#1@db/shop", "%23")]
    [InlineData("postgresql://u:" + Secret + " @db/shop", "percent-encode")]
    [InlineData("postgresql://u:" + Secret + "\u00e9@db/shop", "percent-encode")]
    [InlineData("postgresql://u:" + Secret + "@/shop", "names no host")]
    [InlineData("postgresql://u:" + Secret + "@db,/shop", "empty host")]
    [InlineData("postgresql://u:" + Secret + "@db%2F..%2Fetc/shop", "DNS name")]
    [InlineData("postgresql://u:" + Secret + "@[db]/shop", "IPv6")]
    [InlineData("postgresql://u:" + Secret + "@[::1]x/shop", "':port'")]
    [InlineData("postgresql://u:" + Secret + "@[::1],db/shop", "IPv6")]
    [InlineData("postgresql://u:" + Secret + "@db/shop/extra", "another '/'")]
    [InlineData("postgresql://u:" + Secret + "@db/shop?sslmode=bogus", "sslmode must be one of")]
    [InlineData("postgresql://u:" + Secret + "@db/shop?sslmode=require&sslmode=disable", "given twice")]
    [InlineData("postgresql://u:" + Secret + "@db/shop?password=x", "'password' is not supported")]
    [InlineData("postgresql://u:" + Secret + "@db/shop?host=evil", "'host' is not supported")]
    [InlineData("postgresql://u:" + Secret + "@db/shop?sslmode", "name=value")]
    [InlineData("postgresql://u:" + Secret + "@db/shop?&sslmode=require", "name=value")]
    [InlineData("postgresql://u:" + Secret + "@db/shop?connect_timeout=-1", "connect_timeout")]
    [InlineData("postgresql://u:" + Secret + "@db/shop?connect_timeout=99999999999", "connect_timeout")]
    [InlineData("postgresql://u:" + Secret + "@db/shop?target_session_attrs=whatever", "target_session_attrs")]
    [InlineData("mysql://u:" + Secret + "@db/shop", "another scheme")]
    [InlineData("Host=db;Password=" + Secret + ";Bogus Keyword=1", "neither a postgresql:// URI nor a valid Npgsql connection string")]
    [InlineData("Host=db;Port=notaport;Password=" + Secret, "neither a postgresql:// URI nor a valid Npgsql connection string")]
    public void Hostile_and_odd_values_are_a_clear_error_that_never_quotes_the_password(string value, string expected)
    {
        var error = Assert.Throws<ShopConfigurationException>(() => DatabaseConnection.From(Config(("SHOP_DB_CONNECTION", value))));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("SHOP_DB_CONNECTION", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_very_long_hostile_value_fails_fast_and_plainly()
    {
        var value = "postgresql://u:" + new string('%', 100_000) + "@db/shop";
        var error = Assert.Throws<ShopConfigurationException>(() => DatabaseConnection.From(Config(("SHOP_DB_CONNECTION", value))));
        Assert.True(error.Message.Length < 300, error.Message);
    }

    [Fact]
    public void An_Npgsql_connection_string_still_works()
    {
        var built = new NpgsqlConnectionStringBuilder(DatabaseConnection.From(Config(("SHOP_DB_CONNECTION", "Host=db;Port=6432;Database=shop;Username=u;Password=pw")))!);
        Assert.Equal(("db", 6432, "shop", "u", "pw"), (built.Host, built.Port, built.Database, built.Username, built.Password));
    }

    [Fact]
    public void Key_per_field_variables_in_CloudNativePG_and_Crunchy_shapes()
    {
        // CNPG <cluster>-app: username; Crunchy <cluster>-pguser-<user>: user. Both: host, port, dbname, password.
        var cnpg = Fields(("SHOP_DB_HOST", "shop-db-rw"), ("SHOP_DB_PORT", "5432"), ("SHOP_DB_NAME", "app"), ("SHOP_DB_USERNAME", "app"), ("SHOP_DB_PASSWORD", "p;w= "));
        Assert.Equal(("shop-db-rw", 5432, "app", "app", "p;w= "), (cnpg.Host, cnpg.Port, cnpg.Database, cnpg.Username, cnpg.Password));
        var crunchy = Fields(("SHOP_DB_HOST", "hippo-primary.postgres-operator.svc"), ("SHOP_DB_PORT", "5432\n"), ("SHOP_DB_NAME", "hippo"), ("SHOP_DB_USER", "hippo"), ("SHOP_DB_PASSWORD", "x"), ("SHOP_DB_SSLMODE", "verify-ca"));
        Assert.Equal(("hippo-primary.postgres-operator.svc", 5432, "hippo", "hippo", SslMode.VerifyCA), (crunchy.Host, crunchy.Port, crunchy.Database, crunchy.Username, crunchy.SslMode));
        var both = Fields(("SHOP_DB_HOST", "db"), ("SHOP_DB_NAME", "shop"), ("SHOP_DB_USER", "same"), ("SHOP_DB_USERNAME", "same"), ("SHOP_DB_PASSWORD", "x"));
        Assert.Equal(("same", 5432), (both.Username, both.Port));
    }

    [Theory]
    [InlineData("SHOP_DB_HOST", "", "SHOP_DB_HOST is required")]
    [InlineData("SHOP_DB_HOST", "db;Host=evil", "DNS name or an IP address")]
    [InlineData("SHOP_DB_PORT", "5432x", "port must be a number")]
    [InlineData("SHOP_DB_NAME", "", "SHOP_DB_NAME is required")]
    [InlineData("SHOP_DB_USERNAME", "", "SHOP_DB_USER or SHOP_DB_USERNAME is required")]
    [InlineData("SHOP_DB_PASSWORD", "", "SHOP_DB_PASSWORD is required")]
    [InlineData("SHOP_DB_PASSWORD", Secret + "\u0000", "control character")]
    [InlineData("SHOP_DB_SSLMODE", "on", "SHOP_DB_SSLMODE must be one of")]
    [InlineData("SHOP_DB_USER", "other", "differ")]
    [InlineData("SHOP_DB_CONNECTION", "Host=db", "not both")]
    public void A_bad_or_missing_field_is_named(string variable, string value, string expected)
    {
        var values = new Dictionary<string, string?>
        {
            ["SHOP_DB_HOST"] = "db",
            ["SHOP_DB_NAME"] = "shop",
            ["SHOP_DB_USERNAME"] = "shop",
            ["SHOP_DB_PASSWORD"] = Secret,
            [variable] = value,
        };
        var error = Assert.Throws<ShopConfigurationException>(() => DatabaseConnection.From(new ConfigurationBuilder().AddInMemoryCollection(values).Build()));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_database_variables_is_no_connection()
    {
        Assert.Null(DatabaseConnection.From(Config()));
    }

    private static NpgsqlConnectionStringBuilder Parse(string uri) =>
        new(DatabaseConnection.From(Config(("SHOP_DB_CONNECTION", uri)))!);

    private static NpgsqlConnectionStringBuilder Fields(params (string Name, string Value)[] values) =>
        new(DatabaseConnection.From(Config(values))!);

    private static IConfiguration Config(params (string Name, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Name, (string?)v.Value))).Build();
}
