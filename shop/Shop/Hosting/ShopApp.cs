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
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            // Every problem carries traceId (W3C trace id, set by the framework) and nginx's request id,
            // so an answer can be matched to its log lines.
            if (RequestIds.Read(c.HttpContext.Request) is { } requestId)
            {
                c.ProblemDetails.Extensions["requestId"] = requestId;
            }

            c.ProblemDetails.Detail ??= c.ProblemDetails.Status switch
            {
                StatusCodes.Status404NotFound => "No such api endpoint.",
                StatusCodes.Status405MethodNotAllowed => "This method is not allowed here; the Allow header lists the ones that are.",
                _ => c.ProblemDetails.Title,
            };
        });
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
        // The port is the one the connection arrived on, never the Host header (which a client chooses).
        app.Use((context, next) => context.Connection.LocalPort == settings.MetricsPort
            ? MetricsPortOnly(context, next)
            : AppPortOnly(context, measure ? ctx => metrics.MeasureAsync(ctx, next) : next));
        app.UseForwardedHeaders(ForwardedHeaders(settings));
        app.Use(SecurityHeaders.ApplyAsync);
        var requestLog = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Shop.Requests");
        app.Use((context, next) => WithRequestIdAsync(requestLog, context, next));

        app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapMetrics("/metrics", registry);

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

    // nginx's X-Request-ID in a scope, so it is on every log line of the request (beside the W3C TraceId and
    // SpanId the host adds), and the request's TraceIdentifier.
    private static async Task WithRequestIdAsync(ILogger logger, HttpContext context, RequestDelegate next)
    {
        if (RequestIds.Read(context.Request) is not { } requestId)
        {
            await next(context);
            return;
        }

        context.TraceIdentifier = requestId;
        using (logger.BeginScope(new KeyValuePair<string, object>[] { new("XRequestId", requestId) }))
        {
            await next(context);
        }
    }

    // The app port never serves /metrics, whatever the Host header says.
    private static Task AppPortOnly(HttpContext context, RequestDelegate next)
    {
        if (context.Request.Path.StartsWithSegments("/metrics", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        return next(context);
    }

    // X-Forwarded-For/-Proto only from trusted proxies (loopback and SHOP_TRUSTED_*), so cookies get Secure and
    // HSTS is sent behind a TLS-terminating ingress, and a client cannot claim https or another address itself.
    private static ForwardedHeadersOptions ForwardedHeaders(ShopSettings settings)
    {
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto,
            // Walk back through every trusted hop (ingress, then nginx); stop at the first untrusted one.
            ForwardLimit = null,
        };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var network in settings.TrustedNetworks)
        {
            options.KnownIPNetworks.Add(network);
        }

        return options;
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
