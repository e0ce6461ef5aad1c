using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Shop.Data;

namespace Shop.Api;

/// <summary>
/// Start-up work of the api: migrate (under the advisory lock, retrying until the database answers) and
/// warm up the hot queries, so the first shoppers do not pay for JIT, pool and statement preparation.
/// Readiness stays false until this has finished.
/// </summary>
public sealed class ApiReadiness(Migrator migrator, CatalogStore catalog, TimeProvider time, ILogger<ApiReadiness> logger) : BackgroundService
{
    private volatile bool _started;

    public bool Started => _started;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await migrator.MigrateAsync(stoppingToken);
                await catalog.WarmUpAsync(stoppingToken);
                _started = true;
                logger.LogInformation("api ready: schema at {Version}", Migrator.LatestVersion);
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning("database not ready yet ({Error}); retrying in {Delay}", e.Message, delay);
                await Task.Delay(delay, time, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }
}

/// <summary>api readiness: started (migrated and warm), database reachable now and schema current.</summary>
public sealed class DatabaseReadyCheck(ApiReadiness readiness, NpgsqlDataSource dataSource) : IHealthCheck
{
    /// <summary>The probe's budget: a hung database (accepts, never answers) must not hang the probe.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!readiness.Started)
        {
            return HealthCheckResult.Unhealthy("migrating or warming up");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Budget);
        var check = IsCurrentAsync(timeout.Token);
        try
        {
            // Npgsql's cancellation waits for the server (which may be the part that hangs): give up on the
            // task, not only on the token, so the answer comes within the budget.
            return await check.WaitAsync(Budget, cancellationToken)
                ? HealthCheckResult.Healthy("database reachable and migrated")
                : HealthCheckResult.Unhealthy("schema behind this version");
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            _ = check.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            return HealthCheckResult.Unhealthy("database not reachable");
        }
    }

    private async Task<bool> IsCurrentAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await Migrator.IsCurrentAsync(conn, ct);
    }
}
