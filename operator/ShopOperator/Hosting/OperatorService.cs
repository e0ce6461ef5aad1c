using ShopOperator.Runtime;

namespace ShopOperator.Hosting;

/// <summary>Runs the caches on every replica and the workers on the leader, until the host stops.</summary>
public sealed class OperatorService : BackgroundService
{
    private readonly Controller _controller;
    private readonly LeaderElection _election;
    private readonly OperatorMetrics _metrics;
    private readonly ILogger<OperatorService> _logger;

    public OperatorService(Controller controller, LeaderElection election, OperatorMetrics metrics, ILogger<OperatorService> logger)
    {
        _controller = controller;
        _election = election;
        _metrics = metrics;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var caches = _controller.Cache.RunAsync(stoppingToken);
        var synced = MarkSyncedAsync(stoppingToken);
        var leading = _election.RunAsync(_controller.RunWorkersAsync, stoppingToken);
        await Task.WhenAll(caches, synced, leading);
    }

    private async Task MarkSyncedAsync(CancellationToken ct)
    {
        try
        {
            await _controller.Cache.WaitForSyncAsync(ct);
            _metrics.CachesSynced.Set(1);
            _logger.LogInformation("Caches synced");
        }
        catch (OperationCanceledException)
        {
            // Stopped before the first list answered.
        }
    }
}
