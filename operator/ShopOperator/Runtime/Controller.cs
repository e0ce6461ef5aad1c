using System.Diagnostics;
using System.Text.Json.Nodes;
using ShopOperator.Kube;

namespace ShopOperator.Runtime;

/// <summary>
/// Registers the handlers its <see cref="ControllerDefinition"/> declares on the host's cache (For → the object's
/// key, Owns → the controller owner's key, Watches → the map function's keys) and runs the workers while this
/// process leads. Caches warm on every replica; only the leader writes.
/// </summary>
public sealed class Controller
{
    private readonly IReconciler _reconciler;
    private readonly OperatorMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly OperatorOptions _options;
    private readonly ControllerDefinition _definition;

    public Controller(ControllerDefinition definition, ClusterCache cache, WorkQueue queue, OperatorOptions options, IReconciler reconciler, OperatorMetrics metrics, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(cache);
        _definition = definition;
        _options = options;
        _reconciler = reconciler;
        _metrics = metrics;
        _time = time;
        _logger = loggers.CreateLogger<Controller>();
        Queue = queue;
        Cache = cache;

        cache.AddEventHandler(definition.For, (_, obj) => Queue.Add(Informer.KeyOf(obj)));
        foreach (var owned in definition.Owns)
        {
            cache.AddEventHandler(owned, (_, obj) =>
            {
                if (ControllerOwner(obj, definition.For) is { } owner)
                {
                    Queue.Add(owner);
                }
            });
        }

        foreach (var watch in definition.Watches)
        {
            cache.AddEventHandler(watch.Kind, (_, obj) =>
            {
                foreach (var key in watch.Map(cache, obj))
                {
                    Queue.Add(key);
                }
            });
        }
    }

    public WorkQueue Queue { get; }

    public ClusterCache Cache { get; }

    /// <summary>
    /// Processes the queue with the configured number of workers until <paramref name="ct"/> is cancelled (leadership
    /// ended or shutdown); only called on the leader. Then no key is taken any more, and reconciles in flight get
    /// <see cref="OperatorOptions.DrainTimeout"/> to finish before their own token is cancelled (controller-runtime's
    /// ShutDownWithDrain, bounded): kept below the lease margin so a lost leader stops writing before anyone else may lead.
    /// </summary>
    public async Task RunWorkersAsync(CancellationToken ct)
    {
        await Cache.WaitForSyncAsync(ct);
        EnqueueAll();
        using var reconciles = new CancellationTokenSource();
        await using var drain = ct.Register(() => reconciles.CancelAfter(_options.DrainTimeout));
        var workers = Enumerable.Range(0, Math.Max(1, _options.Workers))
            .Select(_ => Task.Run(() => WorkerAsync(ct, reconciles.Token), CancellationToken.None))
            .Append(ResyncAsync(ct))
            .ToList();
        await Task.WhenAll(workers);
    }

    public void EnqueueAll()
    {
        foreach (var key in Cache.Keys(_definition.For))
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

    private async Task WorkerAsync(CancellationToken stopping, CancellationToken reconcile)
    {
        while (!stopping.IsCancellationRequested)
        {
            string key;
            try
            {
                key = await Queue.GetAsync(stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await ProcessAsync(key, reconcile);
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
        var controller = _definition.Name;

        // Scopes flow with the async context: every line of this reconcile, the reconciler's and ours, carries the shop.
        using var scope = _logger.BeginScope("reconcile {namespace}/{name}", ns, name);
        try
        {
            var result = await _reconciler.ReconcileAsync(ns, name, ct);
            switch (result.Outcome)
            {
                case ReconcileOutcome.RequeueAfter:
                    Queue.Forget(key);
                    Queue.AddAfter(key, result.RequeueAfter ?? _options.ProgressPoll);
                    _metrics.ReconcileTotal.WithLabels(controller, "requeue_after").Inc();
                    break;
                case ReconcileOutcome.Retry:
                    _logger.LogInformation("Reconcile of {Key} will be retried: {Error}", key, result.Error);
                    Queue.AddRateLimited(key);
                    _metrics.ReconcileTotal.WithLabels(controller, "requeue").Inc();
                    break;
                case ReconcileOutcome.Terminal:
                    // Retrying cannot fix it (the status says what to change); the next event brings the next pass.
                    _logger.LogWarning("Reconcile of {Key} failed terminally: {Error}", key, result.Error);
                    Queue.Forget(key);
                    _metrics.ReconcileErrors.WithLabels(controller).Inc();
                    _metrics.TerminalReconcileErrors.WithLabels(controller).Inc();
                    _metrics.ReconcileTotal.WithLabels(controller, "error").Inc();
                    break;
                default:
                    Queue.Forget(key);
                    _metrics.ReconcileTotal.WithLabels(controller, "success").Inc();
                    break;
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

    /// <summary>The key of an object's controller ownerReference when it points at <paramref name="ownerKind"/>.</summary>
    public static string? ControllerOwner(JsonObject obj, ResourceKind ownerKind)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(ownerKind);
        if (obj["metadata"]?["ownerReferences"] is not JsonArray refs)
        {
            return null;
        }

        foreach (var r in refs)
        {
            if (r?["controller"]?.GetValue<bool>() == true
                && r["kind"]?.GetValue<string>() == ownerKind.Kind
                && r["apiVersion"]?.GetValue<string>() == ownerKind.ApiVersion
                && r["name"]?.GetValue<string>() is { } name)
            {
                return obj["metadata"]?["namespace"]?.GetValue<string>() + "/" + name;
            }
        }

        return null;
    }

    /// <summary>The ShopInstance key of an owned object's controller ownerReference, if any.</summary>
    public static string? ControllerOwner(JsonObject obj) => ControllerOwner(obj, ResourceKind.ShopInstance);
}
