using k8s;
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
        builder.WebHost.UseUrls($"http://{options.ListenAddress}:{options.HttpPort}");
        builder.Logging.ClearProviders();
        if (logging is null)
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
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
        services.AddSingleton<Controller>();
        services.AddSingleton(sp => new Lazy<Controller>(sp.GetRequiredService<Controller>));
        services.AddSingleton<EventRecorder>();
        services.AddSingleton<IShopModel, ShopModel>();
        services.AddSingleton<IDatabaseProvisioner, DatabaseProvisioner>();
        services.AddSingleton<IReconciler, ShopReconciler>();
        services.AddSingleton<OperatorService>();
        services.AddHostedService(sp => sp.GetRequiredService<OperatorService>());
        overrides?.Invoke(services);
        services.AddHealthChecks()
            .AddCheck<CachesSyncedCheck>("caches", tags: ["ready"]);

        var app = builder.Build();
        app.MapHealthChecks("/healthz", new() { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new() { Predicate = c => c.Tags.Contains("ready") });
        var registry = app.Services.GetRequiredService<CollectorRegistry>();
        app.MapMetrics("/metrics", registry);
        return app;
    }

    private sealed class CachesSyncedCheck(Controller controller) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(controller.Cache.HasSynced
                ? HealthCheckResult.Healthy("caches synced")
                : HealthCheckResult.Unhealthy("caches not synced yet"));
    }
}
