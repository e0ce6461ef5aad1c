using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Npgsql;
using Shop.Tests.Web;
using Testing.Postgres;
using Xunit;

namespace Shop.Tests.Api;

/// <summary>Issue 12: the tiers behind an ingress (forwarded headers, security and cache headers, /metrics by
/// local port), one error shape (405 with Allow, traceId and requestId) and timeouts on a hung database.</summary>
[Collection(PostgresFixture.Collection)]
public sealed class IngressAndErrorTests(PostgresFixture fixture, SharedApi shared) : IClassFixture<SharedApi>
{
    [Fact]
    public async Task Metrics_are_not_served_on_the_app_port_whatever_the_Host_header()
    {
        var api = await shared.GetAsync(fixture);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(api.BaseAddress, "metrics"));
        request.Headers.Host = $"x:{api.MetricsAddress.Port}";
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var scrape = new HttpRequestMessage(HttpMethod.Get, new Uri(api.MetricsAddress, "metrics"));
        scrape.Headers.Host = "shop-api.example";
        using var metrics = await http.SendAsync(scrape);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }

    [Fact]
    public async Task Behind_a_trusted_tls_proxy_the_cart_cookie_is_Secure_and_HSTS_is_sent()
    {
        var api = await shared.GetAsync(fixture);
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = api.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/cart/items") { Content = ApiApp.JsonBody("""{"productId":5,"quantity":1}""") };
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.True(response.Headers.Contains("Strict-Transport-Security"));

        using var plain = await http.PostAsync(new Uri("api/cart/items", UriKind.Relative), ApiApp.JsonBody("""{"productId":5,"quantity":1}"""));
        Assert.DoesNotContain("secure", Assert.Single(plain.Headers.GetValues("Set-Cookie")), StringComparison.OrdinalIgnoreCase);
        Assert.False(plain.Headers.Contains("Strict-Transport-Security"), "no HSTS over plain http");
    }

    /// <summary>
    /// The operator's SHOP_TRUSTED_NETWORKS default (the private ranges; spec.network.trustedProxyCIDRs): an ingress
    /// pod at 10.1.2.3 that terminated TLS says https, and the app believes it: the cart cookie is Secure. The same
    /// claim from a hop outside the ranges (198.51.100.9), or with loopback alone trusted, is ignored. The hop is the
    /// last X-Forwarded-For entry, added by the trusted peer in front of the app (127.0.0.1 here); its own
    /// X-Forwarded-Proto entry (http) is the rightmost.
    /// </summary>
    [Fact]
    public async Task Forwarded_https_is_believed_only_from_a_hop_in_SHOP_TRUSTED_NETWORKS()
    {
        await using var api = await ApiApp.StartAsync(fixture.Server, "trusted", extra: _ => new Dictionary<string, string?>
        {
            ["SHOP_TRUSTED_NETWORKS"] = "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,fc00::/7",
        });
        Assert.True(await CartCookieIsSecureAsync(api, "10.1.2.3"), "https from an ingress pod in 10.0.0.0/8 was not believed");
        Assert.True(await CartCookieIsSecureAsync(api, "fd00:10:244::17"), "https from an ingress pod in fc00::/7 was not believed");
        Assert.False(await CartCookieIsSecureAsync(api, "198.51.100.9"), "https from an untrusted hop was believed");

        var loopbackOnly = await shared.GetAsync(fixture);
        Assert.False(await CartCookieIsSecureAsync(loopbackOnly, "10.1.2.3"), "without SHOP_TRUSTED_NETWORKS a pod address was believed");
    }

    private static async Task<bool> CartCookieIsSecureAsync(ApiApp api, string hop)
    {
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = api.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/cart/items") { Content = ApiApp.JsonBody("""{"productId":5,"quantity":1}""") };
        request.Headers.Add("X-Forwarded-For", "203.0.113.7, " + hop);
        request.Headers.Add("X-Forwarded-Proto", "https, http");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Assert.Single(response.Headers.GetValues("Set-Cookie")).Contains("secure", StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("api/categories", 200, false)]
    [InlineData("api/cart", 200, true)]
    [InlineData("api/orders/5f3c8f8e-0000-4000-8000-000000000000", 404, true)]
    [InlineData("api/no-such-thing", 404, false)]
    public async Task Api_answers_carry_security_headers_and_private_ones_no_store(string path, int status, bool isPrivate)
    {
        var api = await shared.GetAsync(fixture);
        using var http = api.NewShopper();
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(status, (int)response.StatusCode);
        AssertSecurityHeaders(response);
        Assert.Equal(isPrivate, response.Headers.CacheControl?.NoStore == true);
    }

    [Theory]
    [InlineData("/", false)]
    [InlineData("/cart", true)]
    [InlineData("/checkout", true)]
    [InlineData("/orders/5f3c8f8e-0000-4000-8000-000000000000", true)]
    [InlineData("/no-such-page", false)]
    public async Task Pages_carry_security_headers_once_and_private_ones_no_store(string path, bool isPrivate)
    {
        var api = await shared.GetAsync(fixture);
        await using var web = await WebApp.StartAsync(api.BaseAddress);
        using var browser = web.NewBrowser();
        using var response = await browser.GetAsync(new Uri(path, UriKind.Relative));
        Assert.True((int)response.StatusCode < 500, $"{path}: {(int)response.StatusCode}");
        AssertSecurityHeaders(response);
        Assert.Equal(isPrivate, response.Headers.CacheControl?.NoStore == true);
    }

    [Theory]
    [InlineData("PUT", "api/cart", "GET")]
    [InlineData("DELETE", "api/orders", "POST")]
    [InlineData("POST", "api/cart/items/1", "DELETE, PUT")]
    public async Task A_wrong_method_gets_405_with_Allow_as_problem_json(string method, string path, string allow)
    {
        var api = await shared.GetAsync(fixture);
        using var http = api.NewShopper();
        using var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow.Order(StringComparer.Ordinal)));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Problems_carry_the_trace_id_and_the_request_id()
    {
        var api = await shared.GetAsync(fixture);
        using var http = api.NewShopper();
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/products/424242");
        request.Headers.Add("X-Request-ID", "rid-0123456789abcdef");
        using var activity = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start();
        request.Headers.Add("traceparent", activity.Id);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains(activity.TraceId.ToHexString(), problem.RootElement.GetProperty("traceId").GetString(), StringComparison.Ordinal);
        Assert.Equal("rid-0123456789abcdef", problem.RootElement.GetProperty("requestId").GetString());
    }

    [Fact]
    public async Task Readiness_answers_within_its_budget_when_the_database_hangs()
    {
        var target = new NpgsqlConnectionStringBuilder(fixture.Server.AdminConnectionString);
        await using var proxy = new FreezingProxy(target.Host!, target.Port);
        await using var api = await ApiApp.StartAsync(fixture.Server, "hung", db =>
            new NpgsqlConnectionStringBuilder(db) { Host = "127.0.0.1", Port = proxy.Port }.ConnectionString);
        proxy.Freeze();
        using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var clock = Stopwatch.StartNew();
        using var ready = await http.GetAsync(new Uri("healthz/ready", UriKind.Relative));
        var took = clock.Elapsed;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        // Budget 2 s; the margin is for a loaded test machine, far below the 40 s seen before.
        Assert.True(took < TimeSpan.FromSeconds(6), $"readiness took {took}");
    }

    private static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("strict-origin-when-cross-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
    }
}
