using System.Diagnostics;
using Prometheus;

namespace ShopOperator.Runtime;

/// <summary>
/// controller-runtime's and client-go's metric set, with their names and labels, on an injected registry (no
/// static state: two operator instances in one test process keep separate numbers). Every series of our
/// controller, queue and lease exists from the start at zero, so <c>rate()</c> and <c>absent()</c> behave
/// before the first error. Plus process_* (the Go client's names) and the .NET runtime's own meter.
/// </summary>
public sealed class OperatorMetrics : IDisposable
{
    public const string ControllerName = "shopinstance";

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Queue, string Key), long> _processing = [];
    private readonly IDisposable _runtimeMeter;

    public OperatorMetrics(CollectorRegistry registry)
        : this(registry, new OperatorOptions())
    {
    }

    public OperatorMetrics(CollectorRegistry registry, OperatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        Registry = registry;
        var factory = Metrics.WithCustomRegistry(registry);

        ReconcileTotal = factory.CreateCounter("controller_runtime_reconcile_total", "Total number of reconciliations per controller", "controller", "result");
        ReconcileErrors = factory.CreateCounter("controller_runtime_reconcile_errors_total", "Total number of reconciliation errors per controller", "controller");
        TerminalReconcileErrors = factory.CreateCounter("controller_runtime_terminal_reconcile_errors_total", "Total number of terminal reconciliation errors per controller", "controller");
        ReconcilePanics = factory.CreateCounter("controller_runtime_reconcile_panics_total", "Total number of reconciliation panics per controller", "controller");
        ReconcileTime = factory.CreateHistogram(
            "controller_runtime_reconcile_time_seconds",
            "Length of time per reconciliation per controller",
            new HistogramConfiguration { LabelNames = ["controller"], Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });
        ActiveWorkers = factory.CreateGauge("controller_runtime_active_workers", "Number of currently used workers per controller", "controller");
        MaxConcurrentReconciles = factory.CreateGauge("controller_runtime_max_concurrent_reconciles", "Maximum number of concurrent reconciles per controller", "controller");

        QueueDepth = factory.CreateGauge("workqueue_depth", "Current depth of workqueue", "name");
        QueueAdds = factory.CreateCounter("workqueue_adds_total", "Total number of adds handled by workqueue", "name");
        QueueDuration = factory.CreateHistogram(
            "workqueue_queue_duration_seconds",
            "How long in seconds an item stays in workqueue before being requested",
            new HistogramConfiguration { LabelNames = ["name"], Buckets = Histogram.ExponentialBuckets(1e-8, 10, 10) });
        QueueWorkDuration = factory.CreateHistogram(
            "workqueue_work_duration_seconds",
            "How long in seconds processing an item from workqueue takes",
            new HistogramConfiguration { LabelNames = ["name"], Buckets = Histogram.ExponentialBuckets(1e-8, 10, 10) });
        QueueUnfinishedWork = factory.CreateGauge(
            "workqueue_unfinished_work_seconds",
            "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads.",
            "name");
        QueueLongestRunning = factory.CreateGauge(
            "workqueue_longest_running_processor_seconds",
            "How many seconds has the longest running processor for workqueue been running",
            "name");
        QueueRetries = factory.CreateCounter("workqueue_retries_total", "Total number of retries handled by workqueue", "name");

        RestRequests = factory.CreateCounter("rest_client_requests_total", "Number of HTTP requests, partitioned by status code, method, and host", "code", "method", "host");
        RestRequestDuration = factory.CreateHistogram(
            "rest_client_request_duration_seconds",
            "Request latency in seconds. Broken down by verb, and host",
            new HistogramConfiguration { LabelNames = ["verb", "host"], Buckets = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60] });
        LeaderStatus = factory.CreateGauge("leader_election_master_status", "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master", "name");
        LeaderElectionErrors = factory.CreateCounter("shop_operator_leader_election_errors_total", "Failed Lease calls of the leader elector (read, create, update), e.g. a missing RBAC permission", "name");
        SettledPasses = factory.CreateCounter(
            "shop_operator_settled_passes_total",
            "Passes that ended at once because the ShopInstance, its children and its Secrets are at the resourceVersions of its last settled (Ready, no-op) pass",
            "controller");
        CachesSynced = factory.CreateGauge("shop_operator_caches_synced", "1 once every informer cache has listed its kind");

        // Zero series from the start for our controller, queue and lease (controller-runtime does the same on
        // controller start): an alert on rate(errors) or absent() sees a series before anything happened.
        foreach (var result in new[] { "success", "error", "requeue", "requeue_after" })
        {
            ReconcileTotal.WithLabels(ControllerName, result);
        }

        ReconcileErrors.WithLabels(ControllerName);
        TerminalReconcileErrors.WithLabels(ControllerName);
        ReconcilePanics.WithLabels(ControllerName);
        SettledPasses.WithLabels(ControllerName);
        ReconcileTime.WithLabels(ControllerName);
        ActiveWorkers.WithLabels(ControllerName).Set(0);
        MaxConcurrentReconciles.WithLabels(ControllerName).Set(Math.Max(1, options.Workers));
        QueueDepth.WithLabels(ControllerName).Set(0);
        QueueAdds.WithLabels(ControllerName);
        QueueRetries.WithLabels(ControllerName);
        QueueDuration.WithLabels(ControllerName);
        QueueWorkDuration.WithLabels(ControllerName);
        QueueUnfinishedWork.WithLabels(ControllerName).Set(0);
        QueueLongestRunning.WithLabels(ControllerName).Set(0);
        LeaderStatus.WithLabels(options.LeaderElection.LeaseName).Set(0);

        // process_* (cpu, virtual memory, start time, threads) and dotnet_* (GC, memory) from prometheus-net,
        // plus the Go client's names dashboards query, plus the runtime's own "System.Runtime" meter.
        DotNetStats.Register(registry);
        RegisterProcessMetrics(registry);
        _runtimeMeter = MeterAdapter.StartListening(new MeterAdapterOptions
        {
            Registry = registry,
            MetricFactory = Metrics.WithCustomRegistry(registry),
            InstrumentFilterPredicate = instrument => instrument.Meter.Name == "System.Runtime",
        });
    }

    public CollectorRegistry Registry { get; }

    public Counter ReconcileTotal { get; }

    public Counter ReconcileErrors { get; }

    /// <summary>Errors retrying cannot fix (controller-runtime's <c>TerminalError</c>). Counted for outcomes retrying cannot fix, e.g. a wrong admin password.</summary>
    public Counter TerminalReconcileErrors { get; }

    /// <summary>controller-runtime counts recovered panics; the .NET analogue is an exception that is a bug, not the cluster. Nothing increments it yet.</summary>
    public Counter ReconcilePanics { get; }

    public Histogram ReconcileTime { get; }

    public Gauge ActiveWorkers { get; }

    public Gauge MaxConcurrentReconciles { get; }

    public Gauge QueueDepth { get; }

    public Counter QueueAdds { get; }

    public Histogram QueueDuration { get; }

    public Histogram QueueWorkDuration { get; }

    public Gauge QueueUnfinishedWork { get; }

    public Gauge QueueLongestRunning { get; }

    public Counter QueueRetries { get; }

    public Counter RestRequests { get; }

    public Histogram RestRequestDuration { get; }

    public Gauge LeaderStatus { get; }

    public Counter LeaderElectionErrors { get; }

    public Gauge CachesSynced { get; }

    /// <summary>Passes skipped by <see cref="Reconcile.SettledPasses"/> (counted in reconcile_total as success too).</summary>
    public Counter SettledPasses { get; }

    /// <summary>
    /// A worker took <paramref name="key"/> from queue <paramref name="queue"/>: active workers, and the in-flight
    /// times behind unfinished_work and longest_running_processor (computed at scrape time, as client-go does).
    /// </summary>
    public void ProcessingStarted(string queue, string key)
    {
        lock (_gate)
        {
            _processing[(queue, key)] = Stopwatch.GetTimestamp();
        }

        ActiveWorkers.WithLabels(ControllerName).Inc();
    }

    /// <summary>The worker finished <paramref name="key"/>: observes workqueue_work_duration_seconds.</summary>
    public void ProcessingDone(string queue, string key)
    {
        long started;
        lock (_gate)
        {
            if (!_processing.Remove((queue, key), out started))
            {
                return;
            }
        }

        ActiveWorkers.WithLabels(ControllerName).Dec();
        QueueWorkDuration.WithLabels(queue).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    public void Dispose() => _runtimeMeter.Dispose();

    private void UpdateInFlight()
    {
        var now = Stopwatch.GetTimestamp();
        var byQueue = new Dictionary<string, (double Total, double Longest)>(StringComparer.Ordinal) { [ControllerName] = (0, 0) };
        lock (_gate)
        {
            foreach (var ((queue, _), started) in _processing)
            {
                var seconds = Stopwatch.GetElapsedTime(started, now).TotalSeconds;
                var (total, longest) = byQueue.GetValueOrDefault(queue);
                byQueue[queue] = (total + seconds, Math.Max(longest, seconds));
            }
        }

        foreach (var (queue, (total, longest)) in byQueue)
        {
            QueueUnfinishedWork.WithLabels(queue).Set(total);
            QueueLongestRunning.WithLabels(queue).Set(longest);
        }
    }

    private void RegisterProcessMetrics(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        var resident = factory.CreateGauge("process_resident_memory_bytes", "Resident memory size in bytes.");
        var openFds = factory.CreateGauge("process_open_fds", "Number of open file descriptors.");
        var maxFds = factory.CreateGauge("process_max_fds", "Maximum number of open file descriptors.");
        registry.AddBeforeCollectCallback(() =>
        {
            UpdateInFlight();
            var sample = ProcessSample.Read();
            resident.Set(sample.ResidentBytes);
            openFds.Set(sample.OpenFds);
            maxFds.Set(sample.MaxFds);
        });
    }
}

/// <summary>Resident memory and file descriptors as the Go client reads them (Linux /proc; elsewhere what .NET knows).</summary>
public readonly record struct ProcessSample(double ResidentBytes, double OpenFds, double MaxFds)
{
    public static ProcessSample Read()
    {
        var resident = (double)Environment.WorkingSet; // RSS on Linux (/proc/self/statm)
        var openFds = double.NaN;
        var maxFds = double.NaN;
        try
        {
            if (Directory.Exists("/proc/self/fd"))
            {
                openFds = Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();
            }

            if (File.Exists("/proc/self/limits"))
            {
                var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
                var soft = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
                if (double.TryParse(soft, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
                {
                    maxFds = parsed;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not readable here: the series shows NaN rather than a made-up number.
        }

        return new ProcessSample(resident, openFds, maxFds);
    }
}
