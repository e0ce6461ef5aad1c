using ShopOperator.Runtime;

namespace ShopOperator.Hosting;

/// <summary>
/// Runs the host's cache on every replica and the controller's workers on the leader, until the host stops.
/// A lost lease stops the whole host (controller-runtime exits the same way): <see cref="LostLeadership"/> makes
/// the process exit non-zero and the pod restarts as a standby with fresh caches.
/// </summary>
public sealed class OperatorService : BackgroundService
{
    private readonly ClusterCache _cache;
    private readonly Controller _controller;
    private readonly LeaderElection _election;
    private readonly OperatorMetrics _metrics;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<OperatorService> _logger;
    private readonly IdleHeapCompactor _compactor;

    public OperatorService(ClusterCache cache, Controller controller, LeaderElection election, OperatorMetrics metrics, IHostApplicationLifetime lifetime, ILogger<OperatorService> logger, IdleHeapCompactor compactor)
    {
        _compactor = compactor;
        _cache = cache;
        _controller = controller;
        _election = election;
        _metrics = metrics;
        _lifetime = lifetime;
        _logger = logger;
    }

    /// <summary>True once this process led and lost its lease; the host is stopping.</summary>
    public bool LostLeadership { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var caches = _cache.RunAsync(stopping.Token);
        var synced = MarkSyncedAsync(stopping.Token);
        var compaction = _compactor.RunAsync(stopping.Token);
        var outcome = await _election.RunAsync(_controller.RunWorkersAsync, stopping.Token);
        if (outcome == LeadershipOutcome.Lost)
        {
            LostLeadership = true;
            _logger.LogError("Leadership lost: stopping the operator (exit code 1) so that it restarts as a standby");
            _lifetime.StopApplication();
        }

        await stopping.CancelAsync();
        await Task.WhenAll(caches, synced, compaction);
    }

    private async Task MarkSyncedAsync(CancellationToken ct)
    {
        try
        {
            await _cache.WaitForSyncAsync(ct);
            _metrics.CachesSynced.Set(1);
            _logger.LogInformation("Caches synced");
        }
        catch (OperationCanceledException)
        {
            // Stopped before the first list answered.
        }
    }
}
