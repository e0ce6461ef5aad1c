using System.Net;
using System.Net.Http.Headers;
using Xunit;

namespace Shop.Tests.E2E;

/// <summary>The real nginx of the local stack: routing, security headers, gzip and the /api rate limit.</summary>
[Collection(LocalStackCollection.Name)]
public sealed class ReverseProxyTests(LocalStack stack) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None })
    {
        BaseAddress = stack.BaseUrl,
        Timeout = TimeSpan.FromSeconds(10),
    };

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Root_goes_to_the_web_tier_and_api_to_the_api_tier()
    {
        stack.EnsureStarted();
        await WaitUntilNotLimitedAsync();

        using var home = await _http.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Equal("text/html", home.Content.Headers.ContentType?.MediaType);
        Assert.Contains("aria-label=\"Categories\"", await home.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var products = await _http.GetAsync(new Uri("/api/products", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, products.StatusCode);
        Assert.Equal("application/json", products.Content.Headers.ContentType?.MediaType);

        // An unknown path under /api is answered by the api (problem+json), elsewhere by the web tier (HTML).
        using var apiMissing = await _http.GetAsync(new Uri("/api/no-such-thing", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, apiMissing.StatusCode);
        Assert.NotEqual("text/html", apiMissing.Content.Headers.ContentType?.MediaType);
        using var webMissing = await _http.GetAsync(new Uri("/no-such-page", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, webMissing.StatusCode);
        Assert.Equal("text/html", webMissing.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/api/categories")]
    [InlineData("/no-such-page")]
    public async Task Every_response_carries_the_security_headers(string path)
    {
        stack.EnsureStarted();
        await WaitUntilNotLimitedAsync();
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative));

        var csp = Header(response, "Content-Security-Policy");
        // The app's policy ('self'), or nginx's own problem+json error pages ('none', e.g. a 429 from the rate limit).
        Assert.Matches("default-src '(self|none)'", csp);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("strict-origin-when-cross-origin", Header(response, "Referrer-Policy"));
        Assert.False(response.Headers.Contains("Server") && Header(response, "Server").Contains('/', StringComparison.Ordinal), "nginx version hidden");
        // Sent by the app only: nginx no longer adds a second copy.
        Assert.Single(response.Headers.GetValues("X-Frame-Options"));
        Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
    }

    [Fact]
    public async Task Nginx_errors_are_problem_json_too()
    {
        stack.EnsureStarted();
        await WaitUntilNotLimitedAsync();
        using var tooLarge = await _http.PostAsync(
            new Uri("/api/cart/items", UriKind.Relative),
            new StringContent(new string('x', 100 * 1024), System.Text.Encoding.UTF8, "application/json"));
        await AssertProblemAsync(tooLarge, HttpStatusCode.RequestEntityTooLarge);

        using var tooLong = await _http.GetAsync(new Uri("/api/products?q=" + new string('x', 20 * 1024), UriKind.Relative));
        await AssertProblemAsync(tooLong, HttpStatusCode.RequestUriTooLong);
    }

    [Fact]
    public async Task Stylesheet_is_served_gzip_compressed()
    {
        stack.EnsureStarted();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/css/site.css", UriKind.Relative));
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("gzip", response.Content.Headers.ContentEncoding);
    }

    [Fact]
    public async Task A_burst_over_the_api_limit_gets_429_and_pages_are_not_limited()
    {
        stack.EnsureStarted();
        await WaitUntilNotLimitedAsync();

        // Bounded: twice the burst plus a margin, all at once; nginx must reject the excess.
        var requests = Enumerable.Range(0, (LocalStack.ApiBurst * 2) + 10)
            .Select(_ => _http.GetAsync(new Uri("/api/categories", UriKind.Relative)));
        var responses = await Task.WhenAll(requests);
        var statuses = responses.Select(r => (int)r.StatusCode).ToList();
        var limited = responses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        await AssertProblemAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.Contains(429, statuses);
        Assert.Contains(200, statuses);
        Assert.All(statuses, s => Assert.True(s is 200 or 429, $"unexpected status {s}"));
        foreach (var r in responses)
        {
            r.Dispose();
        }

        // The limit is on /api only: the storefront keeps serving while the api budget is spent.
        using var home = await _http.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);

        await WaitUntilNotLimitedAsync();
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("requestId").GetString()));
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : string.Empty;

    private async Task WaitUntilNotLimitedAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            using var response = await _http.GetAsync(new Uri("/api/categories", UriKind.Relative));
            if (response.StatusCode != HttpStatusCode.TooManyRequests)
            {
                return;
            }

            await Task.Delay(300);
        }

        Assert.Fail("/api still rate limited after 15 s");
    }
}
