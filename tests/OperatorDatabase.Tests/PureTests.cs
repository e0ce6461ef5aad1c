using System.Text;
using System.Text.RegularExpressions;
using Npgsql;
using ShopOperator.Database;
using Xunit;

namespace OperatorDatabase.Tests;

public sealed partial class NamesTests
{
    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex PlainIdentifier();

    [Fact]
    public void Many_generated_pairs_give_valid_unique_bounded_identifiers()
    {
        var random = new Random(20261124);
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-";
        string DnsName(int max)
        {
            var length = random.Next(1, max + 1);
            var chars = new char[length];
            for (var i = 0; i < length; i++)
            {
                chars[i] = alphabet[random.Next(i == 0 || i == length - 1 ? alphabet.Length - 1 : alphabet.Length)];
            }

            return new string(chars);
        }

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < 5000; i++)
        {
            var ns = DnsName(63);
            var name = i % 3 == 0 ? DnsName(253).Replace("--", ".-", StringComparison.Ordinal) : DnsName(20);
            var key = ns + "/" + name;
            var names = DatabaseNames.For(ns, name);
            Assert.Matches(PlainIdentifier(), names.Database);
            Assert.True(Encoding.UTF8.GetByteCount(names.Database) <= 63);
            Assert.Equal(names.Database, names.Role);
            Assert.Equal(names, DatabaseNames.For(ns, name));
            if (seen.TryGetValue(names.Database, out var other))
            {
                Assert.Equal(other, key);
            }

            seen[names.Database] = key;
        }

        Assert.True(seen.Count > 4900);
    }

    [Theory]
    [InlineData("a-b", "c", "a", "b-c")]
    [InlineData("a.b", "c", "a_b", "c")]
    [InlineData("shop", "demo", "Shop", "demo")]
    [InlineData("team", "shop-1", "team", "shop.1")]
    public void Pairs_that_read_alike_do_not_collide(string ns1, string name1, string ns2, string name2)
    {
        Assert.NotEqual(DatabaseNames.For(ns1, name1).Database, DatabaseNames.For(ns2, name2).Database);
    }

    [Fact]
    public void Long_names_are_truncated_to_63_bytes_and_stay_distinct()
    {
        var longName = new string('x', 250);
        var a = DatabaseNames.For("namespace-" + new string('n', 53), longName + "a");
        var b = DatabaseNames.For("namespace-" + new string('n', 53), longName + "b");
        Assert.Equal(63, a.Database.Length);
        Assert.Equal(63, b.Database.Length);
        Assert.NotEqual(a.Database, b.Database);
        Assert.StartsWith("shop_namespace_nnn", a.Database, StringComparison.Ordinal);
    }

    [Fact]
    public void Readable_part_keeps_namespace_and_name()
    {
        var names = DatabaseNames.For("shop-dev", "demo");
        Assert.Matches("^shop_shop_dev_demo_[0-9a-f]{12}$", names.Database);
        Assert.StartsWith("shop_", DatabaseNames.For("1abc", "9z").Database, StringComparison.Ordinal);
    }

    [Fact]
    public void Unicode_and_symbols_from_callers_become_underscores()
    {
        var names = DatabaseNames.For("ns", "x\"; DROP TABLE y; --ü");
        Assert.Matches(PlainIdentifier(), names.Database);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a\0b")]
    [InlineData("lone-surrogate")]
    public void Constructor_refuses_names_postgres_cannot_hold(string bad)
    {
        // A lone surrogate does not survive xunit's serialisation of theory data: made here.
        bad = bad == "lone-surrogate" ? "x" + '\ud800' : bad;
        Assert.Throws<ArgumentException>(() => new DatabaseNames(bad, "ok"));
        Assert.Throws<ArgumentException>(() => new DatabaseNames("ok", bad));
    }

    [Fact]
    public void Constructor_counts_bytes_not_characters()
    {
        Assert.Equal(63, Encoding.UTF8.GetByteCount(new DatabaseNames(new string('€', 21), "r").Database));
        Assert.Throws<ArgumentException>(() => new DatabaseNames(new string('€', 22), "r"));
        Assert.Throws<ArgumentException>(() => new DatabaseNames(new string('a', 64), "r"));
    }

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("a\"b", "\"a\"\"b\"")]
    [InlineData("x\"; DROP TABLE y; --", "\"x\"\"; DROP TABLE y; --\"")]
    public void QuoteIdentifier_doubles_quotes(string raw, string quoted)
    {
        Assert.Equal(quoted, DatabaseNames.QuoteIdentifier(raw));
    }
}

public sealed class AdminEndpointTests
{
    private const string Secret = "s3cr3t-Pa55word";

    private static Dictionary<string, string> Full() => new(StringComparer.Ordinal)
    {
        ["host"] = "db.example.com",
        ["port"] = "6543",
        ["username"] = "master",
        ["password"] = Secret,
        ["sslmode"] = "verify-full",
        ["database"] = "maintenance",
    };

    [Fact]
    public void Parses_every_key()
    {
        Assert.True(AdminEndpoint.TryParse(Full(), out var admin, out _));
        Assert.Equal(new AdminEndpoint("db.example.com", 6543, "master", Secret, SslMode.VerifyFull, "maintenance"), admin);
    }

    [Fact]
    public void Defaults_port_sslmode_and_database()
    {
        var data = Full();
        data.Remove("port");
        data.Remove("sslmode");
        data.Remove("database");
        Assert.True(AdminEndpoint.TryParse(data, out var admin, out _));
        Assert.Equal(5432, admin.Port);
        Assert.Equal(SslMode.Prefer, admin.SslMode);
        Assert.Equal("postgres", admin.Database);
    }

    [Theory]
    [InlineData("host")]
    [InlineData("username")]
    [InlineData("password")]
    public void A_missing_or_blank_key_is_named(string key)
    {
        foreach (var blank in new string?[] { null, "", "  " })
        {
            var data = Full();
            if (blank is null)
            {
                data.Remove(key);
            }
            else
            {
                data[key] = blank;
            }

            Assert.False(AdminEndpoint.TryParse(data, out _, out var failure));
            Assert.False(failure.Ready);
            Assert.Equal(ProvisionReasons.InvalidAdminSecret, failure.Reason);
            Assert.Contains(key, failure.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Secret, failure.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Null_or_empty_data_names_all_required_keys()
    {
        Assert.False(AdminEndpoint.TryParse((IReadOnlyDictionary<string, string>?)null, out _, out var failure));
        Assert.Equal(ProvisionReasons.InvalidAdminSecret, failure.Reason);
        Assert.Contains("host, username, password", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("70000")]
    [InlineData("-1")]
    [InlineData("5432.0")]
    public void A_bad_port_is_reported(string port)
    {
        var data = Full();
        data["port"] = port;
        Assert.False(AdminEndpoint.TryParse(data, out _, out var failure));
        Assert.Equal(ProvisionReasons.InvalidAdminSecret, failure.Reason);
        Assert.Contains("port", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("disable", SslMode.Disable)]
    [InlineData("REQUIRE", SslMode.Require)]
    [InlineData("verify-ca", SslMode.VerifyCA)]
    [InlineData("VerifyFull", SslMode.VerifyFull)]
    [InlineData("prefer", SslMode.Prefer)]
    public void Sslmode_accepts_libpq_and_npgsql_spellings(string text, SslMode expected)
    {
        var data = Full();
        data["sslmode"] = text;
        Assert.True(AdminEndpoint.TryParse(data, out var admin, out _));
        Assert.Equal(expected, admin.SslMode);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("3")]
    [InlineData("-")]
    public void A_bad_sslmode_is_reported(string text)
    {
        var data = Full();
        data["sslmode"] = text;
        Assert.False(AdminEndpoint.TryParse(data, out _, out var failure));
        Assert.Equal(ProvisionReasons.InvalidAdminSecret, failure.Reason);
        Assert.Contains("sslmode", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_host_with_whitespace_is_reported()
    {
        var data = Full();
        data["host"] = "db.example.com;Username=evil x";
        Assert.False(AdminEndpoint.TryParse(data, out _, out var failure));
        Assert.Contains("host", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Raw_secret_bytes_parse_the_same()
    {
        var bytes = Full().ToDictionary(kv => kv.Key, kv => Encoding.UTF8.GetBytes(kv.Value));
        Assert.True(AdminEndpoint.TryParse(bytes, out var admin, out _));
        Assert.Equal(Secret, admin.Password);
    }

    [Fact]
    public void ToString_never_shows_the_password()
    {
        Assert.True(AdminEndpoint.TryParse(Full(), out var admin, out _));
        Assert.DoesNotContain(Secret, admin.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, $"{admin}", StringComparison.Ordinal);
        Assert.Contains("master@db.example.com:6543", admin.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Shop_connection_string_has_the_shop_role_and_no_admin_credentials()
    {
        Assert.True(AdminEndpoint.TryParse(Full(), out var admin, out _));
        var names = DatabaseNames.For("ns", "demo");
        var password = PasswordGenerator.Generate();
        var text = DatabaseProvisioner.ConnectionStringFor(admin, names, password);
        var parsed = new NpgsqlConnectionStringBuilder(text);
        Assert.Equal("db.example.com", parsed.Host);
        Assert.Equal(6543, parsed.Port);
        Assert.Equal(names.Database, parsed.Database);
        Assert.Equal(names.Role, parsed.Username);
        Assert.Equal(password, parsed.Password);
        Assert.Equal(SslMode.VerifyFull, parsed.SslMode);
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain("master", text, StringComparison.Ordinal);
    }
}

public sealed partial class PasswordGeneratorTests
{
    [GeneratedRegex("^[A-Za-z0-9_-]{43}$")]
    private static partial Regex UrlSafe43();

    [Fact]
    public void Passwords_are_long_url_safe_and_distinct()
    {
        var all = Enumerable.Range(0, 1000).Select(_ => PasswordGenerator.Generate()).ToList();
        Assert.All(all, p => Assert.Matches(UrlSafe43(), p));
        Assert.Equal(all.Count, all.Distinct(StringComparer.Ordinal).Count());
    }
}
