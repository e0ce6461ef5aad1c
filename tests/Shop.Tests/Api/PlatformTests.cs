using System.Diagnostics;
using System.Net;
using Npgsql;
using Shop.Data;
using Testing.Postgres;
using Xunit;

namespace Shop.Tests.Api;

[Collection(PostgresFixture.Collection)]
public sealed class PlatformTests(PostgresFixture fixture)
{
    [Fact]
    public async Task Migrations_applied_twice_apply_once()
    {
        var db = await fixture.Server.CreateDatabaseAsync("migrate_twice");
        await using var source = NpgsqlDataSource.Create(db);
        var migrator = new Migrator(source, Microsoft.Extensions.Logging.Abstractions.NullLogger<Migrator>.Instance);
        var first = await migrator.MigrateAsync(CancellationToken.None);
        var second = await migrator.MigrateAsync(CancellationToken.None);
        Assert.True(first.Count >= 2);
        Assert.Empty(second);
        await using var cmd = source.CreateCommand("SELECT count(*) FROM products");
        Assert.True((long)(await cmd.ExecuteScalarAsync())! >= 24);
    }

    [Fact]
    public async Task Many_concurrent_migrators_apply_each_script_exactly_once()
    {
        var db = await fixture.Server.CreateDatabaseAsync("migrate_many");
        await using var source = NpgsqlDataSource.Create(db);
        var migrators = Enumerable.Range(0, 8)
            .Select(_ => new Migrator(source, Microsoft.Extensions.Logging.Abstractions.NullLogger<Migrator>.Instance).MigrateAsync(CancellationToken.None));
        var results = await Task.WhenAll(migrators);
        var applied = results.SelectMany(r => r).ToList();
        Assert.Equal(applied.Distinct().Count(), applied.Count);
        Assert.Equal(1, results.Count(r => r.Count > 0));
        await using var cmd = source.CreateCommand("SELECT count(*) FROM categories");
        Assert.Equal(4L, await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Readiness_goes_false_when_the_database_stops_and_true_when_it_returns()
    {
        await using var api = await ApiApp.StartAsync(fixture.Server, "readiness");
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        // The test server runs with synchronous_commit=off and stops with -m immediate: flush the WAL first,
        // or the migrations just committed may be lost in crash recovery (not something a real server does).
        await using (var admin = new NpgsqlConnection(fixture.Server.AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var checkpoint = new NpgsqlCommand("CHECKPOINT", admin);
            await checkpoint.ExecuteNonQueryAsync();
        }

        try
        {
            await fixture.Server.SuspendAsync();
            await api.WaitForReadyAsync(false, TimeSpan.FromSeconds(30));
            using var live = await http.GetAsync(new Uri("healthz/live", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            using var products = await http.GetAsync(new Uri("api/products", UriKind.Relative));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, products.StatusCode);
        }
        finally
        {
            await fixture.Server.ResumeAsync();
        }

        await api.WaitForReadyAsync(true, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Metrics_are_served_only_on_the_metrics_port()
    {
        await using var api = await ApiApp.StartAsync(fixture.Server, "metrics");
        using var http = new HttpClient();
        using var products = await http.GetAsync(new Uri(api.BaseAddress, "api/products?page=1"));
        Assert.Equal(HttpStatusCode.OK, products.StatusCode);

        using var onAppPort = await http.GetAsync(new Uri(api.BaseAddress, "metrics"));
        Assert.Equal(HttpStatusCode.NotFound, onAppPort.StatusCode);
        using var apiOnMetricsPort = await http.GetAsync(new Uri(api.MetricsAddress, "api/products"));
        Assert.Equal(HttpStatusCode.NotFound, apiOnMetricsPort.StatusCode);

        var text = await http.GetStringAsync(new Uri(api.MetricsAddress, "metrics"));
        Assert.Contains("shop_http_request_duration_seconds_count{route=\"/api/products\",method=\"GET\",code=\"200\"}", text, StringComparison.Ordinal);
        Assert.Contains("shop_http_requests_in_flight", text, StringComparison.Ordinal);
        Assert.Contains("shop_orders_placed_total", text, StringComparison.Ordinal);
        Assert.DoesNotContain("route=\"/api/products?", text, StringComparison.Ordinal);

        // Process and .NET runtime metrics (issue 13), read at scrape time only: the Go client's process names,
        // prometheus-net's DotNetStats and the runtime's System.Runtime meter.
        foreach (var name in new[] { "process_resident_memory_bytes ", "process_open_fds ", "process_max_fds ", "process_cpu_seconds_total ", "process_start_time_seconds ", "dotnet_collection_count_total", "system_runtime_dotnet_gc_collections" })
        {
            Assert.Contains("\n" + name, text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("bogus", 2)]
    [InlineData("", 2)]
    public async Task Unknown_role_exits_2_with_a_message(string role, int expected)
    {
        var (code, _, stderr) = await RunShopAsync(role.Length == 0 ? [] : [role], new Dictionary<string, string?> { ["SHOP_ROLE"] = null });
        Assert.Equal(expected, code);
        Assert.Contains("unknown role", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api", "SHOP_DB_CONNECTION", null, "SHOP_DB_CONNECTION")]
    [InlineData("api", "SHOP_HTTP_PORT", "eighty", "SHOP_HTTP_PORT")]
    [InlineData("api", "SHOP_LISTEN_ADDRESS", "not-an-ip", "SHOP_LISTEN_ADDRESS")]
    [InlineData("web", "SHOP_API_URL", null, "SHOP_API_URL")]
    public async Task Bad_configuration_exits_2_naming_the_variable(string role, string name, string? value, string expected)
    {
        var env = new Dictionary<string, string?>
        {
            ["SHOP_DB_CONNECTION"] = "Host=127.0.0.1;Port=1;Username=x;Password=secret-not-echoed",
            ["SHOP_API_URL"] = "http://127.0.0.1:1",
            ["SHOP_HTTP_PORT"] = Ports.FreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SHOP_METRICS_PORT"] = Ports.FreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SHOP_LISTEN_ADDRESS"] = "127.0.0.1",
        };
        env[name] = value;
        var (code, _, stderr) = await RunShopAsync([role], env);
        Assert.Equal(2, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-not-echoed", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api")]
    [InlineData("web")]
    public async Task A_port_already_in_use_exits_1_with_one_message_not_a_crash(string role)
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var env = new Dictionary<string, string?>
        {
            ["SHOP_DB_CONNECTION"] = "Host=127.0.0.1;Port=1;Username=x;Password=secret-not-echoed",
            ["SHOP_API_URL"] = "http://127.0.0.1:1",
            ["SHOP_HTTP_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SHOP_METRICS_PORT"] = Ports.FreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SHOP_LISTEN_ADDRESS"] = "127.0.0.1",
            ["SHOP_LOG_FORMAT"] = "text",
        };
        var (code, _, stderr) = await RunShopAsync([role], env);
        Assert.Equal(1, code); // it was 134 (SIGABRT after an unhandled IOException) with a stack trace
        Assert.Contains($"shop {role}: cannot listen", stderr, StringComparison.Ordinal);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_role_applies_and_exits_0_and_reports_a_missing_connection_with_2()
    {
        var db = await fixture.Server.CreateDatabaseAsync("migrate_cli");
        var (ok, stdout, _) = await RunShopAsync([], new Dictionary<string, string?> { ["SHOP_ROLE"] = "migrate", ["SHOP_DB_CONNECTION"] = db });
        Assert.Equal(0, ok);
        Assert.Contains("applied", stdout, StringComparison.Ordinal);
        var (missing, _, stderr) = await RunShopAsync(["migrate"], new Dictionary<string, string?> { ["SHOP_DB_CONNECTION"] = null });
        Assert.Equal(2, missing);
        Assert.Contains("SHOP_DB_CONNECTION", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunShopAsync(string[] args, Dictionary<string, string?> env)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Shop.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in env)
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        using var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
