using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Shop.Web;

/// <summary>Web readiness = the api answers its own readiness probe (so a web pod without a backend gets no traffic).</summary>
public sealed class ApiReadyHealthCheck(ShopApiClient api) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await api.IsApiReadyAsync(cancellationToken)
            ? HealthCheckResult.Healthy("api ready")
            : HealthCheckResult.Unhealthy("api not reachable or not ready");
}
