using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Npgsql;
using Shop.Hosting;
using Testing.Postgres;
using Xunit;

namespace Shop.Tests.Api;

/// <summary>A real api role on 127.0.0.1 free ports, with its own fresh database on the shared server.</summary>
public sealed class ApiApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ApiApp(WebApplication app, string connectionString, int httpPort, int metricsPort)
    {
        _app = app;
        ConnectionString = connectionString;
        BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/");
        MetricsAddress = new Uri($"http://127.0.0.1:{metricsPort}/");
    }

    public string ConnectionString { get; }

    public IServiceProvider Services => _app.Services;

    public Uri BaseAddress { get; }

    public Uri MetricsAddress { get; }

    // connection: rewrites the database's connection string (a test routes it through a proxy).
    // extra: more settings (null removes one, e.g. SHOP_DB_CONNECTION when the SHOP_DB_* fields are given).
    public static async Task<ApiApp> StartAsync(PostgresServer server, string prefix = "shopapi", Func<string, string>? connection = null, Func<string, IReadOnlyDictionary<string, string?>>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        var created = await server.CreateDatabaseAsync(prefix);
        var db = connection is null ? created : connection(created);
        var httpPort = Ports.FreeTcpPort();
        var metricsPort = Ports.FreeTcpPort();
        while (metricsPort == httpPort)
        {
            metricsPort = Ports.FreeTcpPort();
        }

        var settings = new Dictionary<string, string?>
        {
            ["SHOP_DB_CONNECTION"] = db,
            ["SHOP_LISTEN_ADDRESS"] = "127.0.0.1",
            ["SHOP_HTTP_PORT"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SHOP_METRICS_PORT"] = metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SHOP_LOG_FORMAT"] = "text",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in extra?.Invoke(created) ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var app = ShopApp.Build("api", [], settings);
        await app.StartAsync();
        var api = new ApiApp(app, created, httpPort, metricsPort);
        await api.WaitForReadyAsync(true, TimeSpan.FromSeconds(60));
        return api;
    }

    /// <summary>A shopper: its own cookie jar, so its own cart.</summary>
    public HttpClient NewShopper() => new(new HttpClientHandler { CookieContainer = new CookieContainer(), UseCookies = true })
    {
        BaseAddress = BaseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public async Task WaitForReadyAsync(bool ready, TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        HttpStatusCode? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync(new Uri("healthz/ready", UriKind.Relative));
                last = response.StatusCode;
                if ((response.StatusCode == HttpStatusCode.OK) == ready)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                last = null;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"/healthz/ready did not become {(ready ? "ready" : "unready")} in {timeout} (last {last})");
    }

    public async Task ExecuteAsync(string sql, params object[] args)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var arg in args)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = arg });
        }

        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql, params object[] args)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var arg in args)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = arg });
        }

        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task AddToCartAsync(HttpClient shopper, long productId, int quantity)
    {
        using var response = await shopper.PostAsJsonAsync("api/cart/items", new { productId, quantity });
        Assert.True(response.IsSuccessStatusCode, $"add to cart: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public static object ValidOrder(string card = "4242 4242 4242 4242") => new
    {
        email = "ada@example.com",
        name = "Ada Lovelace",
        street = "1 Analytical Way",
        city = "London",
        postalCode = "N1 9GU",
        country = "GB",
        cardNumber = card,
    };

    public static async Task<HttpResponseMessage> CheckoutAsync(HttpClient shopper, string key, object? order = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/orders") { Content = JsonContent.Create(order ?? ValidOrder()) };
        request.Headers.Add("Idempotency-Key", key);
        return await shopper.SendAsync(request);
    }
}

/// <summary>One api per test class (started on first use), on the shared PostgreSQL server.</summary>
public sealed class SharedApi : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ApiApp? _app;

    public async Task<ApiApp> GetAsync(PostgresFixture fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        await _gate.WaitAsync();
        try
        {
            return _app ??= await ApiApp.StartAsync(fixture.Server);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _gate.Dispose();
    }
}
