using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Shop.Hosting;

namespace Shop.Tests.Web;

/// <summary>A real web role on 127.0.0.1 free ports, talking to the api at <c>apiUrl</c> (or to nothing).</summary>
public sealed partial class WebApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebApp(WebApplication app, int httpPort, int metricsPort)
    {
        _app = app;
        BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/");
        MetricsAddress = new Uri($"http://127.0.0.1:{metricsPort}/");
    }

    public Uri BaseAddress { get; }

    public Uri MetricsAddress { get; }

    public static async Task<WebApp> StartAsync(Uri apiUrl, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var httpPort = Ports.FreeTcpPort();
        var metricsPort = Ports.FreeTcpPort();
        while (metricsPort == httpPort)
        {
            metricsPort = Ports.FreeTcpPort();
        }

        var settings = new Dictionary<string, string?>
        {
            ["SHOP_API_URL"] = apiUrl.ToString(),
            ["SHOP_LISTEN_ADDRESS"] = "127.0.0.1",
            ["SHOP_HTTP_PORT"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SHOP_METRICS_PORT"] = metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SHOP_LOG_FORMAT"] = "text",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var app = ShopApp.Build("web", [], settings);
        await app.StartAsync();
        return new WebApp(app, httpPort, metricsPort);
    }

    /// <summary>A browser: its own cookie jar, no redirects followed (tests look at them).</summary>
    public HttpClient NewBrowser(CookieContainer? cookies = null) =>
        new(new HttpClientHandler { CookieContainer = cookies ?? new CookieContainer(), UseCookies = true, AllowAutoRedirect = false })
        {
            BaseAddress = BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };

    /// <summary>The value of a hidden input in a rendered form.</summary>
    public static string HiddenValue(string html, string name)
    {
        foreach (Match input in InputTag().Matches(html))
        {
            if (input.Value.Contains($"name=\"{name}\"", StringComparison.Ordinal))
            {
                return WebUtility.HtmlDecode(ValueAttribute().Match(input.Value).Groups[1].Value);
            }
        }

        throw new InvalidOperationException($"no input named {name} in the page");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [GeneratedRegex("<input[^>]*>")]
    private static partial Regex InputTag();

    [GeneratedRegex("value=\"([^\"]*)\"")]
    private static partial Regex ValueAttribute();
}
