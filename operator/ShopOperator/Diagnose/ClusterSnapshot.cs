using System.Text.Json.Nodes;

namespace ShopOperator.Diagnose;

/// <summary>A name lookup from where the command runs: the addresses, or why there are none.</summary>
public sealed record DnsAnswer(string Host, IReadOnlyList<string> Addresses, string? Error);

/// <summary>A TCP connection tried with <c>--probe</c>.</summary>
public sealed record ProbeAnswer(string Address, int Port, bool Connected, string? Error);

/// <summary>A Secret as diagnose keeps it: its key names only, never a value.</summary>
public sealed record SecretKeys(string Name, IReadOnlySet<string> Keys);

/// <summary>The last lines of one container's log (current or previous instance), already redacted.</summary>
public sealed record ContainerLog(string Pod, string Container, bool Previous, IReadOnlyList<string> Lines);

/// <summary>
/// Everything the steps look at, read once from the cluster (and DNS) by <see cref="SnapshotReader"/>, so the
/// steps themselves are pure functions of it and are tested on hand-made snapshots.
/// </summary>
public sealed record ClusterSnapshot
{
    public required JsonObject Shop { get; init; }

    public IReadOnlyList<JsonObject> Deployments { get; init; } = [];

    public IReadOnlyList<JsonObject> Pods { get; init; } = [];

    /// <summary>False when the reader did not list pods (the operator lists them on failure only): steps then judge a tier by its Deployment's counts.</summary>
    public bool PodsRead { get; init; } = true;

    public IReadOnlyList<JsonObject> Services { get; init; } = [];

    public IReadOnlyList<JsonObject> EndpointSlices { get; init; } = [];

    public IReadOnlyList<JsonObject> Ingresses { get; init; } = [];

    /// <summary>Ingress class names in the cluster; null when they could not be read (no permission).</summary>
    public IReadOnlySet<string>? IngressClasses { get; init; }

    /// <summary>The shop's HTTPRoute when it is exposed through the Gateway API (empty when the cluster serves none).</summary>
    public IReadOnlyList<JsonObject> HttpRoutes { get; init; } = [];

    /// <summary>
    /// The Gateways the route names, by "namespace/name"; a Gateway that could not be read (missing, no permission,
    /// Gateway API not served) is absent and listed in <see cref="UnreadableGateways"/> when the read was refused.
    /// </summary>
    public IReadOnlyDictionary<string, JsonObject> Gateways { get; init; } = new Dictionary<string, JsonObject>();

    public IReadOnlySet<string> UnreadableGateways { get; init; } = new HashSet<string>();

    public IReadOnlyList<JsonObject> NetworkPolicies { get; init; } = [];

    public IReadOnlyList<JsonObject> Events { get; init; } = [];

    /// <summary>The Secrets the shop references, by name; a missing one is absent from the map.</summary>
    public IReadOnlyDictionary<string, SecretKeys> Secrets { get; init; } = new Dictionary<string, SecretKeys>();

    /// <summary>Referenced Secrets the user may not read (no <c>get secrets</c>): neither present nor missing.</summary>
    public IReadOnlySet<string> UnreadableSecrets { get; init; } = new HashSet<string>();

    public IReadOnlyList<ContainerLog> Logs { get; init; } = [];

    public DnsAnswer? Dns { get; init; }

    /// <summary>Answers for the load balancer's own host name, when it has one instead of an IP.</summary>
    public DnsAnswer? LoadBalancerDns { get; init; }

    /// <summary>Null without <c>--probe</c>: no traffic is sent by default.</summary>
    public IReadOnlyList<ProbeAnswer>? Probes { get; init; }

    public required DateTimeOffset Now { get; init; }

    public required TimeSpan Since { get; init; }
}
