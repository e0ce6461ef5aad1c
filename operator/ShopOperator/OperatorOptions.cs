using ShopOperator.Runtime;

namespace ShopOperator;

/// <summary>Everything the operator is configured with; read from the environment by <see cref="FromEnvironment"/>.</summary>
public sealed record OperatorOptions
{
    public IReadOnlyList<string> WatchNamespaces { get; init; } = [];

    public int Workers { get; init; } = 4;

    public string ListenAddress { get; init; } = "0.0.0.0";

    public int HttpPort { get; init; } = 8080;

    /// <summary>
    /// Serve /metrics over HTTPS on <see cref="MetricsPort"/>, only to callers whose bearer token passes a TokenReview
    /// and a SubjectAccessReview for <c>get</c> on the non-resource URL <c>/metrics</c> (kubebuilder v4's
    /// secure metrics). False: plain /metrics on <see cref="HttpPort"/>, for a local run.
    /// </summary>
    public bool MetricsSecure { get; init; }

    public int MetricsPort { get; init; } = 8443;

    /// <summary>Where a mounted certificate (tls.crt, tls.key) is looked for; without one a self-signed certificate is made at start.</summary>
    public string MetricsCertDir { get; init; } = "/tmp/k8s-metrics-server/metrics-certs";

    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    public LeaderElectionOptions LeaderElection { get; init; } = new(null, "shop-operator", Environment.MachineName, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2));

    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromMinutes(10);

    public InformerTimings Informers { get; init; } = InformerTimings.Default;

    public RateLimiterOptions RateLimiter { get; init; } = RateLimiterOptions.Default;

    /// <summary>The full GC after a burst of work (<see cref="IdleHeapCompactor"/>).</summary>
    public HeapCompactionOptions HeapCompaction { get; init; } = HeapCompactionOptions.Default;

    /// <summary>How often a shop whose rollout or database is in progress is looked at again without an event.</summary>
    public TimeSpan ProgressPoll { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long reconciles in flight may finish after the workers are told to stop (shutdown or lost leadership).
    /// Kept below LeaseDuration - RenewDeadline - RetryPeriod, so a lost leader writes nothing once another may lead.
    /// </summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Every environment variable the operator reads, with its default: the source of <c>shop-operator --help</c>.</summary>
    public static IReadOnlyList<(string Name, string Default, string Meaning)> Variables { get; } =
    [
        ("WATCH_NAMESPACES", "(all)", "comma-separated namespaces to watch; empty watches all"),
        ("LEADER_ELECTION_NAMESPACE", "(in a cluster: the pod's namespace; else none)", "namespace of the Lease shop-operator; empty: no election, this process leads"),
        ("POD_NAME", "host name + pid", "lease holder identity"),
        ("OPERATOR_WORKERS", "4", "concurrent reconciles (never two on one ShopInstance)"),
        ("OPERATOR_LISTEN_ADDRESS", "0.0.0.0", "IP address of the health and metrics ports"),
        ("OPERATOR_HTTP_PORT", "8080", "port of /healthz and /readyz (and of plain /metrics when OPERATOR_METRICS_SECURE=false)"),
        ("OPERATOR_METRICS_SECURE", "true in a cluster, false outside", "HTTPS /metrics with TokenReview + SubjectAccessReview (ClusterRole shop-operator-metrics-reader)"),
        ("OPERATOR_METRICS_PORT", "8443", "HTTPS port of /metrics when secure"),
        ("OPERATOR_METRICS_CERT_DIR", "/tmp/k8s-metrics-server/metrics-certs", "tls.crt and tls.key for the metrics port; none there: a self-signed certificate"),
        ("OPERATOR_LOG_LEVEL", "Information", "Trace, Debug, Information, Warning, Error or Critical (also --log-level)"),
        ("OPERATOR_RESYNC_PERIOD", "10m", "every ShopInstance is reconciled again this often without an event (30s, 10m, 1h; a number alone is seconds)"),
        ("KUBECONFIG", "~/.kube/config", "kubeconfig when not in a cluster (in a cluster the service account is used)"),
    ];

    public static OperatorOptions FromEnvironment(Func<string, string?> env)
    {
        ArgumentNullException.ThrowIfNull(env);
        var options = new OperatorOptions();
        var inCluster = !string.IsNullOrEmpty(env("KUBERNETES_SERVICE_HOST"));
        var namespaces = (env("WATCH_NAMESPACES") ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var identity = env("POD_NAME") is { Length: > 0 } pod ? pod : Environment.MachineName + "-" + Environment.ProcessId;
        return options with
        {
            WatchNamespaces = namespaces,
            Workers = ParseInt(env("OPERATOR_WORKERS"), options.Workers, "OPERATOR_WORKERS"),
            HttpPort = ParseInt(env("OPERATOR_HTTP_PORT"), options.HttpPort, "OPERATOR_HTTP_PORT"),
            ListenAddress = ParseAddress(env("OPERATOR_LISTEN_ADDRESS"), options.ListenAddress),
            MetricsSecure = ParseBool(env("OPERATOR_METRICS_SECURE"), inCluster, "OPERATOR_METRICS_SECURE"),
            MetricsPort = ParseInt(env("OPERATOR_METRICS_PORT"), options.MetricsPort, "OPERATOR_METRICS_PORT"),
            MetricsCertDir = env("OPERATOR_METRICS_CERT_DIR") is { Length: > 0 } certDir ? certDir : options.MetricsCertDir,
            LogLevel = ParseLogLevel(env("OPERATOR_LOG_LEVEL"), options.LogLevel, "OPERATOR_LOG_LEVEL"),
            ResyncPeriod = ParseDuration(env("OPERATOR_RESYNC_PERIOD"), options.ResyncPeriod, "OPERATOR_RESYNC_PERIOD"),
            LeaderElection = options.LeaderElection with
            {
                Namespace = env("LEADER_ELECTION_NAMESPACE") is { Length: > 0 } leNs ? leNs : null,
                Identity = identity,
            },
        };
    }

    /// <summary>The level names of Microsoft.Extensions.Logging, any case; "None" is refused (logs are how failures are seen).</summary>
    public static LogLevel ParseLogLevel(string? value, LogLevel fallback, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        return Enum.TryParse<LogLevel>(value.Trim(), ignoreCase: true, out var level) && level != LogLevel.None && Enum.IsDefined(level) && !int.TryParse(value, out _)
            ? level
            : throw new ArgumentException($"{name} must be one of Trace, Debug, Information, Warning, Error, Critical; got '{value}'");
    }

    /// <summary>A positive whole number of seconds, minutes or hours (<c>30s</c>, <c>10m</c>, <c>1h</c>); a number alone is seconds.</summary>
    public static TimeSpan ParseDuration(string? value, TimeSpan fallback, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        var text = value.Trim();
        var (digits, unit) = text[^1] switch
        {
            's' => (text[..^1], TimeSpan.FromSeconds(1)),
            'm' => (text[..^1], TimeSpan.FromMinutes(1)),
            'h' => (text[..^1], TimeSpan.FromHours(1)),
            _ => (text, TimeSpan.FromSeconds(1)),
        };
        return int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count) && count > 0
            ? unit * count
            : throw new ArgumentException($"{name} must be a positive duration such as 30s, 10m or 1h, got '{value}'");
    }

    private static bool ParseBool(string? value, bool fallback, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        return bool.TryParse(value.Trim(), out var parsed)
            ? parsed
            : throw new ArgumentException($"{name} must be true or false, got '{value}'");
    }

    private static string ParseAddress(string? value, string fallback)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        return System.Net.IPAddress.TryParse(value.Trim(), out _)
            ? value.Trim()
            : throw new ArgumentException($"OPERATOR_LISTEN_ADDRESS must be an IP address, got '{value}'");
    }

    private static int ParseInt(string? value, int fallback, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        return int.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var parsed) && parsed > 0
            ? parsed
            : throw new ArgumentException($"{name} must be a positive integer, got '{value}'");
    }
}
