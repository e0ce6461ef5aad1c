using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Shop.Tests.E2E;

/// <summary>
/// Issue #12, "problem+json (RFC 9457) from nginx for … 502 and 504": the shop's nginx template in front of
/// an upstream that is down (a closed port: 502) and one that accepts and never answers (504, with the
/// rendered <c>proxy_read_timeout</c> lowered to 1 s for this test only). 413, 414 and 429 are covered by
/// <see cref="ReverseProxyTests"/> against the full local stack.
/// </summary>
public sealed class GatewayErrorTests
{
    private const string ReadTimeout = "proxy_read_timeout 30s;";

    [SkippableTheory]
    [InlineData("/api/products")]
    [InlineData("/")]
    public async Task A_tier_that_is_down_gets_502_problem_json(string path)
    {
        Skip.If(NginxProxy.Binary is null, "nginx is not installed");
        // Free ports with nothing listening: connections are refused.
        var closed = $"127.0.0.1:{Ports.FreeTcpPort()}";
        await using var nginx = await NginxProxy.StartAsync(webUpstream: closed, apiUpstream: closed);
        using var http = new HttpClient { BaseAddress = nginx.BaseUrl, Timeout = TimeSpan.FromSeconds(10) };

        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));

        await AssertProblemAsync(response, HttpStatusCode.BadGateway);
    }

    [SkippableTheory]
    [InlineData("/api/products")]
    [InlineData("/")]
    public async Task A_tier_that_never_answers_gets_504_problem_json(string path)
    {
        Skip.If(NginxProxy.Binary is null, "nginx is not installed");
        // Accepts connections (the kernel completes the handshake) and never reads or answers.
        var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            var upstream = $"127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
            await using var nginx = await NginxProxy.StartAsync(upstream, upstream, config =>
            {
                Assert.Equal(2, config.Split(ReadTimeout).Length); // the template's one read timeout
                return config.Replace(ReadTimeout, "proxy_read_timeout 1s;", StringComparison.Ordinal);
            });
            using var http = new HttpClient { BaseAddress = nginx.BaseUrl, Timeout = TimeSpan.FromSeconds(10) };

            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));

            await AssertProblemAsync(response, HttpStatusCode.GatewayTimeout);
        }
        finally
        {
            silent.Dispose();
        }
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("detail").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("requestId").GetString()));
        // nginx's own error pages carry the security headers the app would have sent.
        Assert.True(response.Headers.TryGetValues("X-Content-Type-Options", out var nosniff));
        Assert.Equal("nosniff", Assert.Single(nosniff));
        Assert.True(response.Headers.TryGetValues("Content-Security-Policy", out var csp));
        Assert.Contains("frame-ancestors 'none'", Assert.Single(csp), StringComparison.Ordinal);
    }
}
