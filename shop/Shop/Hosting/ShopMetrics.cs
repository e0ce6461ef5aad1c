using System.Diagnostics;
using Prometheus;

namespace Shop.Hosting;

/// <summary>
/// HTTP and business metrics. Labels are bounded: route templates, a fixed method set, status codes.
/// <see cref="Create"/> adds the process and .NET runtime metrics, collected only when scraped.
/// </summary>
public sealed class ShopMetrics : IDisposable
{
    private readonly Histogram _duration;
    private readonly Gauge _inFlight;
    private IDisposable? _runtimeMeter;

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

    /// <summary>
    /// The shop's metrics on <paramref name="registry"/>, plus process_* and dotnet_* (prometheus-net's DotNetStats),
    /// process_resident_memory_bytes / process_open_fds / process_max_fds (the Go client's names dashboards query)
    /// and the runtime's "System.Runtime" meter (GC, thread pool, exceptions). All of them are read at scrape
    /// time, so they cost nothing per request.
    /// </summary>
    public static ShopMetrics Create(CollectorRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        DotNetStats.Register(registry);
        var factory = Metrics.WithCustomRegistry(registry);
        var resident = factory.CreateGauge("process_resident_memory_bytes", "Resident memory size in bytes.");
        var openFds = factory.CreateGauge("process_open_fds", "Number of open file descriptors.");
        var maxFds = factory.CreateGauge("process_max_fds", "Maximum number of open file descriptors.");
        registry.AddBeforeCollectCallback(() =>
        {
            resident.Set(Environment.WorkingSet); // RSS on Linux
            openFds.Set(Directory.Exists("/proc/self/fd") ? Directory.EnumerateFileSystemEntries("/proc/self/fd").Count() : double.NaN);
            maxFds.Set(MaxOpenFiles());
        });
        return new ShopMetrics(factory)
        {
            _runtimeMeter = MeterAdapter.StartListening(new MeterAdapterOptions
            {
                Registry = registry,
                MetricFactory = Metrics.WithCustomRegistry(registry),
                InstrumentFilterPredicate = instrument => instrument.Meter.Name == "System.Runtime",
            }),
        };
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

    public void Dispose() => _runtimeMeter?.Dispose();

    private static double MaxOpenFiles()
    {
        try
        {
            var line = File.Exists("/proc/self/limits")
                ? File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal))
                : null;
            var soft = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            return double.TryParse(soft, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : double.NaN;
        }
        catch (IOException)
        {
            return double.NaN;
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
