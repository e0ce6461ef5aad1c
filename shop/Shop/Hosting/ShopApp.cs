using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Prometheus;
using Shop.Api;
using Shop.Web;

namespace Shop.Hosting;

/// <summary>Builds the web or api role on the shared plumbing: Kestrel ports, logs, health, metrics.</summary>
public static class ShopApp
{
    // overrides: extra configuration on top of the environment (tests pass ports and the database here).
    public static WebApplication Build(string role, string[] args, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ApplicationName = typeof(ShopApp).Assembly.GetName().Name });
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        var settings = ShopSettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(settings.ListenAddress, settings.HttpPort);
            k.Listen(settings.ListenAddress, settings.MetricsPort);
            k.Limits.MaxRequestBodySize = 64 * 1024;
        });

        ConfigureLogging(builder.Logging, settings);

        // A registry per app: no republished default .NET meters (their cost shows in the benchmark),
        // and tests can run several apps in one process.
        var registry = Metrics.NewCustomRegistry();
        builder.Services.AddSingleton(_ => ShopMetrics.Create(registry));
        builder.Services.AddProblemDetails();
        builder.Services.AddHealthChecks();

        if (role == "api")
        {
            builder.AddApiTier(settings);
        }
        else
        {
            builder.AddWebTier();
        }

        var app = builder.Build();
        var metrics = app.Services.GetRequiredService<ShopMetrics>();
        // SHOP_METRICS_ENABLED=false skips the request metrics: only bench/ uses it, to measure their cost.
        var measure = !string.Equals(builder.Configuration["SHOP_METRICS_ENABLED"], "false", StringComparison.OrdinalIgnoreCase);
        app.Use((context, next) => context.Connection.LocalPort == settings.MetricsPort
            ? MetricsPortOnly(context, next)
            : measure ? metrics.MeasureAsync(context, next) : next(context));

        app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapMetrics("/metrics", registry).RequireHost($"*:{settings.MetricsPort}");

        if (role == "api")
        {
            app.MapApiTier();
        }
        else
        {
            app.MapWebTier();
        }

        return app;
    }

    // The management port serves /metrics and nothing else; the app port never serves /metrics.
    private static Task MetricsPortOnly(HttpContext context, RequestDelegate next)
    {
        if (context.Request.Path.Equals("/metrics", StringComparison.Ordinal))
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    private static void ConfigureLogging(ILoggingBuilder logging, ShopSettings settings)
    {
        logging.ClearProviders();
        if (settings.JsonLogs)
        {
            // Scopes carry the hosting scope's TraceId/SpanId (W3C traceparent), one id across nginx, web and api.
            logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.IncludeScopes = true;
                o.SingleLine = true;
            });
        }

        // Per-request framework logs at Information cost throughput and add nothing the metrics lack.
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Microsoft.Extensions.Http", LogLevel.Warning);
    }
}
