using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Shop.Tests.Web;

/// <summary>
/// Issue 16: the shop's outbound HTTP honours HTTP_PROXY. Its only outbound HTTP client is the web tier's
/// ShopApiClient (the api tier talks only to PostgreSQL, over TCP). .NET reads the proxy variables once per process
/// (HttpClient.DefaultProxy), so the web tier runs in a process of its own, with the proxy variables the operator
/// renders, against a stand-in api on 127.0.0.1 that tells a request through the proxy (Via) from a direct one.
/// </summary>
public sealed class ForwardProxyTests
{
    [Fact]
    public async Task The_web_tiers_api_calls_go_through_HTTP_PROXY_and_none_goes_direct()
    {
        await using var api = await StandInApi.StartAsync();
        await using var proxy = new CountingForwardProxy(api.Url);
        var environment = WebEnvironment(api.Url);
        foreach (var name in new[] { "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy" })
        {
            environment[name] = proxy.Url.ToString();
        }

        // As the operator renders it: the api Service and cluster suffixes bypass the proxy; the stand-in (127.0.0.1:port
        // by that address, not "127.0.0.1") is not listed, as a host outside the cluster would not be.
        environment["NO_PROXY"] = environment["no_proxy"] = "shop-api,shop-api.shop,localhost,.svc,.cluster.local";
        await using var web = ShopProcess.Start("web", environment);

        await WaitForReadyAsync(web, environment);
        Assert.True(proxy.Forwarded > 0, "the proxy forwarded nothing");
        Assert.Equal(0, proxy.Refused);
        Assert.True(api.Proxied > 0, "no request reached the api through the proxy");
        Assert.Equal(0, api.Direct);
    }

    [Fact]
    public async Task Without_HTTP_PROXY_or_with_the_host_in_NO_PROXY_the_calls_go_direct()
    {
        // The control: the stand-in does see direct calls, so Direct == 0 above means something.
        await using var api = await StandInApi.StartAsync();
        await using var proxy = new CountingForwardProxy(api.Url);
        var environment = WebEnvironment(api.Url);
        environment["HTTP_PROXY"] = environment["http_proxy"] = proxy.Url.ToString();
        environment["NO_PROXY"] = environment["no_proxy"] = "127.0.0.1";
        await using var web = ShopProcess.Start("web", environment);

        await WaitForReadyAsync(web, environment);
        Assert.True(api.Direct > 0, "no direct request reached the api");
        Assert.Equal(0, api.Proxied);
        Assert.Equal(0, proxy.Forwarded);
    }

    private static Dictionary<string, string> WebEnvironment(Uri apiUrl)
    {
        var httpPort = Ports.FreeTcpPort();
        var metricsPort = Ports.FreeTcpPort();
        while (metricsPort == httpPort)
        {
            metricsPort = Ports.FreeTcpPort();
        }

        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["SHOP_API_URL"] = apiUrl.ToString(),
            ["SHOP_LISTEN_ADDRESS"] = "127.0.0.1",
            ["SHOP_HTTP_PORT"] = httpPort.ToString(CultureInfo.InvariantCulture),
            ["SHOP_METRICS_PORT"] = metricsPort.ToString(CultureInfo.InvariantCulture),
            ["SHOP_LOG_FORMAT"] = "text",
        };
    }

    /// <summary>The web tier's readiness asks the api's (ShopApiClient.IsApiReadyAsync): 200 once a call got through.</summary>
    private static async Task WaitForReadyAsync(ShopProcess web, Dictionary<string, string> environment)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        var ready = new Uri($"http://127.0.0.1:{environment["SHOP_HTTP_PORT"]}/healthz/ready");
        await Poll.UntilAsync(
            async () =>
            {
                Assert.False(web.HasExited, "the web tier exited:\n" + web.Output);
                try
                {
                    using var response = await http.GetAsync(ready);
                    return response.StatusCode == HttpStatusCode.OK ? "ready" : null;
                }
                catch (HttpRequestException)
                {
                    return null;
                }
            },
            TimeSpan.FromSeconds(60),
            "the web tier's readiness (the api reached)",
            TimeSpan.FromMilliseconds(100));
    }

    /// <summary>The api's readiness endpoint, counting requests that came through the proxy (Via) and direct ones.</summary>
    private sealed class StandInApi : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _direct;
        private int _proxied;

        private StandInApi(WebApplication app, Uri url)
        {
            _app = app;
            Url = url;
        }

        public Uri Url { get; }

        public int Direct => Volatile.Read(ref _direct);

        public int Proxied => Volatile.Read(ref _proxied);

        public static async Task<StandInApi> StartAsync()
        {
            var port = Ports.FreeTcpPort();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
            var app = builder.Build();
            var standIn = new StandInApi(app, new Uri($"http://127.0.0.1:{port}/"));
            app.Use((HttpContext context, RequestDelegate next) =>
            {
                if (context.Request.Headers.Via.ToString() == CountingForwardProxy.ViaHeader)
                {
                    Interlocked.Increment(ref standIn._proxied);
                }
                else
                {
                    Interlocked.Increment(ref standIn._direct);
                }

                return next(context);
            });
            app.MapGet("/healthz/ready", () => Results.Text("Healthy"));
            await app.StartAsync();
            return standIn;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
