using Prometheus;

namespace ShopOperator.Runtime;

/// <summary>
/// The controller-runtime metric names dashboards already know, on an injected registry (no static state:
/// two operator instances in one test process keep separate numbers).
/// </summary>
public sealed class OperatorMetrics
{
    public const string ControllerName = "shopinstance";

    public OperatorMetrics(CollectorRegistry registry)
    {
        Registry = registry;
        var factory = Metrics.WithCustomRegistry(registry);

        // process_* and dotnet_* (memory, GC, threads) as on the default registry, for the same dashboards.
        DotNetStats.Register(registry);
        ReconcileTotal = factory.CreateCounter("controller_runtime_reconcile_total", "Total number of reconciliations per controller", "controller", "result");
        ReconcileErrors = factory.CreateCounter("controller_runtime_reconcile_errors_total", "Total number of reconciliation errors per controller", "controller");
        TerminalReconcileErrors = factory.CreateCounter("controller_runtime_terminal_reconcile_errors_total", "Total number of terminal reconciliation errors per controller", "controller");
        ReconcileTime = factory.CreateHistogram(
            "controller_runtime_reconcile_time_seconds",
            "Length of time per reconciliation per controller",
            new HistogramConfiguration { LabelNames = ["controller"], Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });
        QueueDepth = factory.CreateGauge("workqueue_depth", "Current depth of workqueue", "name");
        QueueAdds = factory.CreateCounter("workqueue_adds_total", "Total number of adds handled by workqueue", "name");
        QueueDuration = factory.CreateHistogram(
            "workqueue_queue_duration_seconds",
            "How long in seconds an item stays in workqueue before being requested",
            new HistogramConfiguration { LabelNames = ["name"], Buckets = Histogram.ExponentialBuckets(0.0001, 4, 12) });
        QueueRetries = factory.CreateCounter("workqueue_retries_total", "Total number of retries handled by workqueue", "name");
        RestRequests = factory.CreateCounter("rest_client_requests_total", "Number of HTTP requests, partitioned by status code and method", "code", "method");
        LeaderStatus = factory.CreateGauge("leader_election_master_status", "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master", "name");
        LeaderElectionErrors = factory.CreateCounter("shop_operator_leader_election_errors_total", "Failed Lease calls of the leader elector (read, create, update), e.g. a missing RBAC permission", "name");
        CachesSynced = factory.CreateGauge("shop_operator_caches_synced", "1 once every informer cache has listed its kind");
    }

    public CollectorRegistry Registry { get; }

    public Counter ReconcileTotal { get; }

    public Counter ReconcileErrors { get; }

    public Counter TerminalReconcileErrors { get; }

    public Histogram ReconcileTime { get; }

    public Gauge QueueDepth { get; }

    public Counter QueueAdds { get; }

    public Histogram QueueDuration { get; }

    public Counter QueueRetries { get; }

    public Counter RestRequests { get; }

    public Gauge LeaderStatus { get; }

    public Counter LeaderElectionErrors { get; }

    public Gauge CachesSynced { get; }
}
