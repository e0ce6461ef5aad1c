using System.Diagnostics;
using System.Text.Json.Nodes;
using ShopOperator.Kube;

namespace ShopOperator.Runtime;

/// <summary>
/// Wires the cache to the queue (owned objects map to their controller owner's key) and runs the workers
/// while this process leads. Caches warm on every replica; only the leader writes.
/// </summary>
public sealed class Controller
{
    private readonly IReconciler _reconciler;
    private readonly OperatorMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly OperatorOptions _options;

    public Controller(OperatorOptions options, KubeApi api, IReconciler reconciler, OperatorMetrics metrics, TimeProvider time, ILoggerFactory loggers)
    {
        _options = options;
        _reconciler = reconciler;
        _metrics = metrics;
        _time = time;
        _logger = loggers.CreateLogger<Controller>();
        Queue = new WorkQueue(time, new RateLimiter(time, options.RateLimiter), metrics);
        Cache = new ClusterCache(api, options.WatchNamespaces, options.Informers, time, loggers, OnCacheEvent);
    }

    public WorkQueue Queue { get; }

    public ClusterCache Cache { get; }

    /// <summary>Processes the queue with the configured number of workers until cancelled; only called on the leader.</summary>
    public async Task RunWorkersAsync(CancellationToken ct)
    {
        await Cache.WaitForSyncAsync(ct);
        EnqueueAll();
        var workers = Enumerable.Range(0, Math.Max(1, _options.Workers)).Select(_ => Task.Run(() => WorkerAsync(ct), CancellationToken.None)).ToList();
        workers.Add(ResyncAsync(ct));
        await Task.WhenAll(workers);
    }

    public void EnqueueAll()
    {
        foreach (var key in Cache.Keys(ResourceKind.ShopInstance))
        {
            Queue.Add(key);
        }
    }

    private async Task ResyncAsync(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_options.ResyncPeriod, _time, ct);
                EnqueueAll();
            }
        }
        catch (OperationCanceledException)
        {
            // Leadership ended or shutting down.
        }
    }

    private async Task WorkerAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            string key;
            try
            {
                key = await Queue.GetAsync(ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await ProcessAsync(key, ct);
            }
            finally
            {
                Queue.Done(key);
            }
        }
    }

    private async Task ProcessAsync(string key, CancellationToken ct)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var (ns, name) = (key[..slash], key[(slash + 1)..]);
        var started = Stopwatch.GetTimestamp();
        var controller = OperatorMetrics.ControllerName;

        // Scopes flow with the async context: every line of this reconcile, the reconciler's and ours, carries the shop.
        using var scope = _logger.BeginScope("reconcile {namespace}/{name}", ns, name);
        try
        {
            var result = await _reconciler.ReconcileAsync(ns, name, ct);
            if (result.RequeueAfter is { } after)
            {
                Queue.Forget(key);
                Queue.AddAfter(key, after);
                _metrics.ReconcileTotal.WithLabels(controller, "requeue_after").Inc();
            }
            else if (result.Requeue)
            {
                Queue.AddRateLimited(key);
                _metrics.ReconcileTotal.WithLabels(controller, "requeue").Inc();
            }
            else
            {
                Queue.Forget(key);
                _metrics.ReconcileTotal.WithLabels(controller, "success").Inc();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Leadership ended mid-reconcile: the next leader starts over from its cache.
        }
        catch (KubeApiException e) when (e.IsConflict)
        {
            // Our cache was behind a write: normal under optimistic concurrency, not a failure.
            _logger.LogDebug("Conflict reconciling {Key}; requeued: {Error}", key, e.Message);
            Queue.AddRateLimited(key);
            _metrics.ReconcileTotal.WithLabels(controller, "requeue").Inc();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _metrics.ReconcileErrors.WithLabels(controller).Inc();
            _metrics.ReconcileTotal.WithLabels(controller, "error").Inc();
            var retries = Queue.RateLimiter.NumRequeues(key);
            _logger.LogWarning("Reconcile of {Key} failed (retry {Retries}): {Error}", key, retries + 1, e.Message);
            Queue.AddRateLimited(key);
        }
        finally
        {
            _metrics.ReconcileTime.WithLabels(controller).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    private void OnCacheEvent(ResourceKind kind, CacheEventType type, JsonObject obj)
    {
        if (kind == ResourceKind.ShopInstance)
        {
            Queue.Add(Informer.KeyOf(obj));
            return;
        }

        if (ControllerOwner(obj) is { } owner)
        {
            Queue.Add(owner);
        }
    }

    /// <summary>The ShopInstance key of an owned object's controller ownerReference, if any.</summary>
    public static string? ControllerOwner(JsonObject obj)
    {
        if (obj["metadata"]?["ownerReferences"] is not JsonArray refs)
        {
            return null;
        }

        foreach (var r in refs)
        {
            if (r?["controller"]?.GetValue<bool>() == true
                && r["kind"]?.GetValue<string>() == ResourceKind.ShopInstance.Kind
                && r["apiVersion"]?.GetValue<string>() == ResourceKind.ShopInstance.ApiVersion
                && r["name"]?.GetValue<string>() is { } name)
            {
                return obj["metadata"]?["namespace"]?.GetValue<string>() + "/" + name;
            }
        }

        return null;
    }
}
