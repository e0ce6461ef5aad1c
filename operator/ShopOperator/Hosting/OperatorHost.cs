using k8s;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Prometheus;
using ShopOperator.Kube;
using ShopOperator.Reconcile;
using ShopOperator.Runtime;

namespace ShopOperator.Hosting;

/// <summary>Builds the operator process: Kestrel for health and metrics, the controller as a hosted service.</summary>
public static class OperatorHost
{
    public static WebApplication Build(
        OperatorOptions options,
        KubernetesClientConfiguration kubeConfig,
        TimeProvider? time = null,
        Action<ILoggingBuilder>? logging = null,
        Action<IServiceCollection>? overrides = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        var address = System.Net.IPAddress.Parse(options.ListenAddress);
        var certificate = options.MetricsSecure ? new MetricsCertificate(options.MetricsCertDir, time ?? TimeProvider.System) : null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Health first (plain HTTP for the kubelet's probes), then, when secure, /metrics over HTTPS.
            kestrel.Listen(address, options.HttpPort);
            if (certificate is not null)
            {
                kestrel.Listen(address, options.MetricsPort, listen => listen.UseHttps(https => https.ServerCertificateSelector = (_, _) => certificate.Current()));
            }
        });
        builder.Logging.ClearProviders();
        if (logging is null)
        {
            // JSON lines with the shop's namespace and name as top-level fields; level from --log-level / OPERATOR_LOG_LEVEL.
            builder.Logging.AddConsole(o => o.FormatterName = JsonLogFormatter.FormatterName)
                .AddConsoleFormatter<JsonLogFormatter, Microsoft.Extensions.Logging.Console.ConsoleFormatterOptions>();
            builder.Logging.SetMinimumLevel(options.LogLevel);
            builder.Logging.AddFilter("Microsoft.AspNetCore", (LogLevel)Math.Max((int)LogLevel.Warning, (int)options.LogLevel));
        }
        else
        {
            logging(builder.Logging);
        }

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(time ?? TimeProvider.System);
        services.AddSingleton(_ => Metrics.NewCustomRegistry());
        services.AddSingleton<OperatorMetrics>();
        services.AddSingleton(sp => new Kubernetes(kubeConfig, new RestClientMetricsHandler(sp.GetRequiredService<OperatorMetrics>())));
        services.AddSingleton<IKubernetes>(sp => sp.GetRequiredService<Kubernetes>());
        services.AddSingleton<KubeApi>();
        services.AddSingleton(sp => new LeaderElection(
            sp.GetRequiredService<IKubernetes>(),
            options.LeaderElection,
            sp.GetRequiredService<OperatorMetrics>(),
            sp.GetRequiredService<ILogger<LeaderElection>>()));

        // The host owns the cache and the queue; the controller registers on them what its definition declares.
        // Discovery decides whether HTTPRoutes are owned (and watched) before the cache is built from the definition.
        // DI factories are synchronous: this one runs once, when the hosted service is created at start.
        services.AddSingleton(sp =>
        {
            var gatewayApi = GatewayApi.DiscoverAsync(sp.GetRequiredService<KubeApi>(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
            sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GatewayApi)).LogInformation("Gateway API: {Message}", gatewayApi.Message);
            return gatewayApi;
        });
        services.AddSingleton(sp => ShopController.DefinitionFor(sp.GetRequiredService<GatewayApi>()));
        services.AddSingleton(sp => new ClusterCache(
            sp.GetRequiredService<KubeApi>(),
            sp.GetRequiredService<ControllerDefinition>(),
            options.WatchNamespaces,
            options.Informers,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp => new WorkQueue(
            sp.GetRequiredService<TimeProvider>(),
            new RateLimiter(sp.GetRequiredService<TimeProvider>(), options.RateLimiter),
            sp.GetRequiredService<OperatorMetrics>()));
        services.AddSingleton(sp => new IdleHeapCompactor(
            sp.GetRequiredService<WorkQueue>(),
            sp.GetRequiredService<TimeProvider>(),
            options.HeapCompaction,
            sp.GetRequiredService<ILogger<IdleHeapCompactor>>()));
        services.AddSingleton<EventRecorder>();
        services.AddSingleton<ShopOperator.Database.IDatabaseProvisioner>(_ => new ShopOperator.Database.DatabaseProvisioner());
        services.AddSingleton<IReconciler, ShopReconciler>();
        services.AddSingleton<Controller>();
        services.AddSingleton<OperatorService>();
        services.AddSingleton<MetricsAuthorizer>();
        services.AddHostedService(sp => sp.GetRequiredService<OperatorService>());
        overrides?.Invoke(services);
        services.AddHealthChecks()
            .AddCheck<CachesSyncedCheck>("caches", tags: ["ready"]);

        var app = builder.Build();
        app.MapHealthChecks("/healthz", new() { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new() { Predicate = c => c.Tags.Contains("ready") });
        var registry = app.Services.GetRequiredService<CollectorRegistry>();
        if (options.MetricsSecure)
        {
            // Secure: /metrics only on the HTTPS port, only for callers the API server authenticates and authorizes.
            var authorizer = app.Services.GetRequiredService<MetricsAuthorizer>();
            app.UseWhen(
                context => context.Request.Path.StartsWithSegments("/metrics", StringComparison.Ordinal),
                metrics => metrics.Use(async (context, next) =>
                {
                    var status = context.Request.IsHttps
                        ? await authorizer.AuthorizeAsync(context.Request.Headers.Authorization, context.Request.Path, context.RequestAborted)
                        : StatusCodes.Status404NotFound;
                    if (status == StatusCodes.Status200OK)
                    {
                        await next(context);
                        return;
                    }

                    context.Response.StatusCode = status;
                    await context.Response.WriteAsync(ReasonPhrases.GetReasonPhrase(status), context.RequestAborted);
                }));
        }

        app.MapMetrics("/metrics", registry);
        return app;
    }

    private sealed class CachesSyncedCheck(ClusterCache cache) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(cache.HasSynced
                ? HealthCheckResult.Healthy("caches synced")
                : HealthCheckResult.Unhealthy("caches not synced yet"));
    }
}
