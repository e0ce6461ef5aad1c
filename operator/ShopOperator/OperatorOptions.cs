using ShopOperator.Runtime;

namespace ShopOperator;

/// <summary>Everything the operator is configured with; read from the environment by <see cref="FromEnvironment"/>.</summary>
public sealed record OperatorOptions
{
    public IReadOnlyList<string> WatchNamespaces { get; init; } = [];

    public int Workers { get; init; } = 4;

    public string ListenAddress { get; init; } = "0.0.0.0";

    public int HttpPort { get; init; } = 8080;

    public LeaderElectionOptions LeaderElection { get; init; } = new(null, "shop-operator", Environment.MachineName, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2));

    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromMinutes(10);

    public InformerTimings Informers { get; init; } = InformerTimings.Default;

    public RateLimiterOptions RateLimiter { get; init; } = RateLimiterOptions.Default;

    /// <summary>How often a shop whose rollout or database is in progress is looked at again without an event.</summary>
    public TimeSpan ProgressPoll { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long reconciles in flight may finish after the workers are told to stop (shutdown or lost leadership).
    /// Kept below LeaseDuration - RenewDeadline - RetryPeriod, so a lost leader writes nothing once another may lead.
    /// </summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(2);

    public static OperatorOptions FromEnvironment(Func<string, string?> env)
    {
        var options = new OperatorOptions();
        var namespaces = (env("WATCH_NAMESPACES") ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var identity = env("POD_NAME") is { Length: > 0 } pod ? pod : Environment.MachineName + "-" + Environment.ProcessId;
        return options with
        {
            WatchNamespaces = namespaces,
            Workers = ParseInt(env("OPERATOR_WORKERS"), options.Workers, "OPERATOR_WORKERS"),
            HttpPort = ParseInt(env("OPERATOR_HTTP_PORT"), options.HttpPort, "OPERATOR_HTTP_PORT"),
            ListenAddress = ParseAddress(env("OPERATOR_LISTEN_ADDRESS"), options.ListenAddress),
            LeaderElection = options.LeaderElection with
            {
                Namespace = env("LEADER_ELECTION_NAMESPACE") is { Length: > 0 } leNs ? leNs : null,
                Identity = identity,
            },
        };
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
