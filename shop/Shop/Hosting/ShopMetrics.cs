using System.Diagnostics;
using Prometheus;

namespace Shop.Hosting;

/// <summary>HTTP and business metrics. Labels are bounded: route templates, a fixed method set, status codes.</summary>
public sealed class ShopMetrics
{
    private readonly Histogram _duration;
    private readonly Gauge _inFlight;

    public ShopMetrics(IMetricFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _duration = factory.CreateHistogram(
            "shop_http_request_duration_seconds",
            "HTTP request duration by route template, method and status code.",
            ["route", "method", "code"],
            new HistogramConfiguration { Buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        _inFlight = factory.CreateGauge("shop_http_requests_in_flight", "HTTP requests being served.");
        OrdersPlaced = factory.CreateCounter("shop_orders_placed_total", "Orders placed.");
        CheckoutFailures = factory.CreateCounter("shop_checkout_failures_total", "Checkouts refused, by reason.", ["reason"]);
        StockOuts = factory.CreateCounter("shop_stock_outs_total", "Order or cart lines refused for lack of stock.");
    }

    public Counter OrdersPlaced { get; }

    public Counter CheckoutFailures { get; }

    public Counter StockOuts { get; }

    public async Task MeasureAsync(HttpContext context, RequestDelegate next)
    {
        _inFlight.Inc();
        var start = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            _inFlight.Dec();
            var route = context.GetEndpoint() is RouteEndpoint e ? e.RoutePattern.RawText ?? "unknown" : "unmatched";
            _duration.WithLabels(route, Method(context.Request.Method), StatusCode(context.Response.StatusCode))
                .Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    }

    private static string Method(string method) => method switch
    {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        _ => "other",
    };

    private static string StatusCode(int code) => code is >= 100 and < 600
        ? code.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : "other";
}
