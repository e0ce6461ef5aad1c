using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KubeEmulator;

/// <summary>
/// The API server's state and the helpers every part shares. The parts: Routing.cs, Storage/, Deletion.cs, Watch.cs,
/// Controllers/, Admission/.
/// </summary>
internal sealed partial class ApiStore
{
    private readonly Lock _gate = new();
    private readonly EmulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, JsonObject> _objects = new(StringComparer.Ordinal);
    private readonly LinkedList<WatchEvent> _history = new();
    private readonly HashSet<WatchSink> _watchers = [];
    private readonly List<ResourceType> _types = [.. ResourceType.BuiltIn];
    private readonly Dictionary<string, DeploymentPods> _deploymentPods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _deploymentRuns = new(StringComparer.Ordinal);
    private long _resourceVersion = 1;
    private long _oldestKept = 1;
    private long _clusterIps;

    public ApiStore(EmulatorOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        Faults = new EmulatorFaults(CloseWatches, Compact);
        foreach (var ns in new[] { "default", "kube-system", "kube-public" })
        {
            var type = _types[0];
            var obj = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns }, ["spec"] = new JsonObject(), ["status"] = new JsonObject { ["phase"] = "Active" } };
            lock (_gate)
            {
                Initialize(obj, type, null);
                Store(type, Key(type, null, ns), obj, "ADDED");
            }
        }

        lock (_gate)
        {
            StoreRbacBootstrap();
        }
    }

    public EmulatorFaults Faults { get; }

    public RequestCounts Counts { get; } = new();

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        CloseWatches();
    }

    /// <summary>A stored change as watches see it: <paramref name="Line"/> is its line of a watch stream.</summary>
    private sealed record WatchEvent(long ResourceVersion, string Collection, string? Namespace, string Line)
    {
        /// <summary>The object, read back from the line: only a watch resuming from an older resourceVersion needs it, to match its selectors.</summary>
        public JsonObject Object() => JsonNode.Parse(Line)!["object"]!.AsObject();
    }

    private sealed record Route(ResourceType Type, string? Namespace, string? Name, string? Subresource)
    {
        public string Resource => Subresource is null ? Type.Plural : $"{Type.Plural}/{Subresource}";
    }

    private static string Key(ResourceType type, string? ns, string name) => $"{type.Collection}|{ns}|{name}";

    private string Now() => _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private string NextVersion() => (++_resourceVersion).ToString(CultureInfo.InvariantCulture);

    /// <summary>The next free address of the service range 10.96.0.0/12, as the Service REST storage allocates it.</summary>
    private string AllocateClusterIp()
    {
        var n = ++_clusterIps;
        return $"10.96.{(n / 254) % 256}.{(n % 254) + 1}";
    }

    private static string? Meta(JsonObject obj, string field) => obj["metadata"]?[field]?.GetValue<string>();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    internal static partial Regex Dns1123Subdomain();
}
