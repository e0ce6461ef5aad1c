using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>
/// kube-controller-manager's endpointslice controller: for every Service with a selector, one
/// discovery.k8s.io/v1 EndpointSlice (label <c>kubernetes.io/service-name</c>, controller reference to the
/// Service) listing the selected pods that have an IP, with <c>conditions.ready</c> from the pod's Ready
/// condition, a <c>targetRef</c> to the pod and the Service's ports resolved to the pods' target ports.
/// A Service change recomputes its slice; a pod change updates only that pod's endpoint in the slices of the
/// Services selecting it (their selectors are kept per namespace), so a namespace of hundreds stays cheap.
/// </summary>
internal sealed partial class ApiStore
{
    private const string ServiceNameLabel = "kubernetes.io/service-name";
    private const string ManagedByLabel = "endpointslice.kubernetes.io/managed-by";
    private const string ManagedBy = "endpointslice-controller.k8s.io";

    /// <summary>Per namespace: each Service's key → its selector (non-empty label map), for the Services that get a slice.</summary>
    private readonly Dictionary<string, Dictionary<string, Dictionary<string, string>>> _selectors = new(StringComparer.Ordinal);

    /// <summary>
    /// The keys of those Services by one label of their selector ("ns|key=value", its first key in ordinal order): a pod
    /// can only be selected by the Services filed under one of its own labels, so a pod change looks at those alone.
    /// </summary>
    private readonly Dictionary<string, HashSet<string>> _servicesBySelectorLabel = new(StringComparer.Ordinal);

    private static string SelectorEntry(string ns, Dictionary<string, string> selector)
    {
        var first = selector.Keys.Min(StringComparer.Ordinal)!;
        return $"{ns}|{first}={selector[first]}";
    }

    /// <summary>Files <paramref name="key"/>'s selector (null: it gets no slice) in <paramref name="selectors"/> and the label index.</summary>
    private void SetSelector(string ns, Dictionary<string, Dictionary<string, string>> selectors, string key, Dictionary<string, string>? selector)
    {
        if (selectors.Remove(key, out var previous))
        {
            _servicesBySelectorLabel.GetValueOrDefault(SelectorEntry(ns, previous))?.Remove(key);
        }

        if (selector is null)
        {
            return;
        }

        selectors[key] = selector;
        var entry = SelectorEntry(ns, selector);
        if (!_servicesBySelectorLabel.TryGetValue(entry, out var keys))
        {
            _servicesBySelectorLabel[entry] = keys = new HashSet<string>(StringComparer.Ordinal);
        }

        keys.Add(key);
    }

    private void ServiceChanged(string ns, string key, JsonObject service)
    {
        if (!_selectors.TryGetValue(ns, out var selectors))
        {
            _selectors[ns] = selectors = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        }

        var sliceType = BuiltInType("discovery.k8s.io", "endpointslices");
        var existing = ControlledBy(service).Where(s => s.Obj["metadata"]?["labels"]?[ManagedByLabel]?.GetValue<string>() == ManagedBy).ToList();
        if (!_objects.ContainsKey(key) || service["spec"]?["selector"] is not JsonObject { Count: > 0 } selector
            || service["spec"]?["type"]?.GetValue<string>() == "ExternalName" || service["metadata"]?["deletionTimestamp"] is not null)
        {
            // "Services without selectors": the controller manages no slice for them.
            SetSelector(ns, selectors, key, null);
            foreach (var (sliceKey, slice) in existing)
            {
                Remove(sliceType, sliceKey, slice);
            }

            return;
        }

        var map = selector.ToDictionary(p => p.Key, p => Rules.Text(p.Value) ?? "", StringComparer.Ordinal);
        SetSelector(ns, selectors, key, map);
        var pods = PodsWithLabels(ns, map).Select(k => _objects[k]).Where(p => Selects(map, p)).ToList();
        var desired = Slice(service, pods);
        if (existing.Count == 0)
        {
            var name = $"{Meta(service, "name")}-{NameSuffix(Meta(service, "uid")!)}";
            desired["metadata"]!["name"] = name;
            Initialize(desired, sliceType, ns);
            Store(sliceType, Key(sliceType, ns, name), desired, "ADDED");
            return;
        }

        var (currentKey, current) = existing[0];
        var next = (JsonObject)current.DeepClone();
        next["metadata"]!["labels"] = desired["metadata"]!["labels"]!.DeepClone();
        // Copies: the lists still belong to the desired slice, and a node has one parent.
        SetEndpoints(next, desired["endpoints"]?.DeepClone() as JsonArray, desired["ports"]?.DeepClone() as JsonArray);
        if (!JsonNode.DeepEquals(next, current))
        {
            Store(sliceType, currentKey, next, "MODIFIED");
        }
    }

    /// <summary>Per namespace and label ("ns|key=value"): the keys of the pods carrying it; and each pod's entries there.</summary>
    private readonly Dictionary<string, HashSet<string>> _podsByLabel = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string[]> _labelEntriesOfPod = new(StringComparer.Ordinal);

    private void IndexPodLabels(string ns, string key, JsonObject pod)
    {
        foreach (var entry in _labelEntriesOfPod.GetValueOrDefault(key) ?? [])
        {
            _podsByLabel.GetValueOrDefault(entry)?.Remove(key);
        }

        _labelEntriesOfPod.Remove(key);
        if (!_objects.ContainsKey(key))
        {
            return;
        }

        var entries = (pod["metadata"]?["labels"] as JsonObject ?? []).Select(l => $"{ns}|{l.Key}={Rules.Text(l.Value)}").ToArray();
        foreach (var entry in entries)
        {
            if (!_podsByLabel.TryGetValue(entry, out var keys))
            {
                _podsByLabel[entry] = keys = new HashSet<string>(StringComparer.Ordinal);
            }

            keys.Add(key);
        }

        _labelEntriesOfPod[key] = entries;
    }

    /// <summary>The keys of the pods of <paramref name="ns"/> carrying every label of <paramref name="selector"/>.</summary>
    private IEnumerable<string> PodsWithLabels(string ns, Dictionary<string, string> selector)
    {
        var sets = selector.Select(s => _podsByLabel.GetValueOrDefault($"{ns}|{s.Key}={s.Value}") ?? []).OrderBy(s => s.Count).ToList();
        return sets.Count == 0 ? [] : sets[0].Where(k => sets.Skip(1).All(s => s.Contains(k)) && _objects.ContainsKey(k)).ToList();
    }

    /// <summary>A pod was stored or removed: its endpoint in the slice of each Service selecting it is added, updated or dropped.</summary>
    private void PodChanged(string ns, string key, JsonObject pod)
    {
        IndexPodLabels(ns, key, pod);
        if (!_selectors.TryGetValue(ns, out var selectors))
        {
            return;
        }

        var sliceType = BuiltInType("discovery.k8s.io", "endpointslices");
        var stored = _objects.ContainsKey(key) && pod["metadata"]?["deletionTimestamp"] is null;
        var candidates = (pod["metadata"]?["labels"] as JsonObject ?? [])
            .SelectMany(l => _servicesBySelectorLabel.GetValueOrDefault($"{ns}|{l.Key}={Rules.Text(l.Value)}") ?? [])
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var serviceKey in candidates.Where(k => selectors.TryGetValue(k, out var selector) && Selects(selector, pod)).ToList())
        {
            if (!_objects.TryGetValue(serviceKey, out var service))
            {
                continue;
            }

            var slices = ControlledBy(service).Where(s => s.Obj["metadata"]?["labels"]?[ManagedByLabel]?.GetValue<string>() == ManagedBy).ToList();
            if (slices.Count == 0)
            {
                ServiceChanged(ns, serviceKey, service);
                continue;
            }

            var (sliceKey, slice) = slices[0];
            var podName = Meta(pod, "name");
            var endpoints = new JsonArray([.. (slice["endpoints"] as JsonArray ?? []).Where(e => e?["targetRef"]?["name"]?.GetValue<string>() != podName).Select(e => e!.DeepClone())]);
            var ports = slice["ports"]?.DeepClone() as JsonArray;
            if (stored && Endpoint(service, pod) is var (endpoint, podPorts) && endpoint is not null)
            {
                endpoints.Add(endpoint);
                ports ??= podPorts;
            }

            var next = (JsonObject)slice.DeepClone();
            SetEndpoints(next, new JsonArray([.. endpoints.OrderBy(e => e?["targetRef"]?["name"]?.GetValue<string>(), StringComparer.Ordinal).Select(e => e!.DeepClone())]), ports);
            if (!JsonNode.DeepEquals(next, slice))
            {
                Store(sliceType, sliceKey, next, "MODIFIED");
            }
        }
    }

    private static void SetEndpoints(JsonObject slice, JsonArray? endpoints, JsonArray? ports)
    {
        if (endpoints is { Count: > 0 })
        {
            slice["endpoints"] = endpoints;
            slice["ports"] = ports;
        }
        else
        {
            slice.Remove("endpoints");
            slice.Remove("ports");
        }
    }

    private static bool Selects(Dictionary<string, string> selector, JsonObject pod) =>
        pod["metadata"]?["labels"] is JsonObject labels
        && selector.All(s => labels[s.Key] is JsonValue v && v.TryGetValue<string>(out var value) && value == s.Value);

    private static JsonObject Slice(JsonObject service, List<JsonObject> pods)
    {
        var labels = service["metadata"]?["labels"]?.DeepClone() as JsonObject ?? [];
        labels[ServiceNameLabel] = Meta(service, "name");
        labels[ManagedByLabel] = ManagedBy;
        var endpoints = new JsonArray();
        JsonArray? ports = null;
        foreach (var pod in pods.Where(p => p["metadata"]?["deletionTimestamp"] is null).OrderBy(p => Meta(p, "name"), StringComparer.Ordinal))
        {
            if (Endpoint(service, pod) is (JsonObject endpoint, var podPorts))
            {
                endpoints.Add(endpoint);
                ports ??= podPorts;
            }
        }

        var slice = new JsonObject
        {
            ["apiVersion"] = "discovery.k8s.io/v1",
            ["kind"] = "EndpointSlice",
            ["metadata"] = new JsonObject
            {
                ["generateName"] = $"{Meta(service, "name")}-",
                ["labels"] = labels,
                ["ownerReferences"] = new JsonArray(ControllerRef(service)),
            },
            ["addressType"] = "IPv4",
        };
        SetEndpoints(slice, endpoints, ports);
        return slice;
    }

    /// <summary>The endpoint of a pod with an IP, and the Service's ports resolved against it (a named targetPort the pod lacks leaves it out, as upstream).</summary>
    private static (JsonObject? Endpoint, JsonArray? Ports) Endpoint(JsonObject service, JsonObject pod)
    {
        if (pod["status"]?["podIP"]?.GetValue<string>() is not { } ip)
        {
            return (null, null);
        }

        var resolved = (service["spec"]?["ports"] as JsonArray ?? []).OfType<JsonObject>().Select(p => (Port: p, Target: TargetPort(p, pod))).ToList();
        if (resolved.Exists(r => r.Target is null))
        {
            return (null, null);
        }

        var ports = new JsonArray([.. resolved.Select(r => (JsonNode)new JsonObject
        {
            ["name"] = r.Port["name"]?.DeepClone() ?? "",
            ["protocol"] = r.Port["protocol"]?.DeepClone() ?? "TCP",
            ["port"] = r.Target,
        })]);
        var ready = PodStatus.IsReady(pod);
        var endpoint = new JsonObject
        {
            ["addresses"] = new JsonArray(ip),
            ["conditions"] = new JsonObject { ["ready"] = ready, ["serving"] = ready, ["terminating"] = false },
            ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = Meta(pod, "namespace"), ["name"] = Meta(pod, "name"), ["uid"] = Meta(pod, "uid") },
            ["nodeName"] = pod["spec"]?["nodeName"]?.DeepClone(),
        };
        return (endpoint, ports);
    }

    private static int? TargetPort(JsonObject servicePort, JsonObject pod)
    {
        var target = servicePort["targetPort"] ?? servicePort["port"];
        if (target is JsonValue v && v.TryGetValue<int>(out var number))
        {
            return number;
        }

        var name = target?.GetValue<string>();
        return (pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>()
            .SelectMany(c => (c["ports"] as JsonArray ?? []).OfType<JsonObject>())
            .FirstOrDefault(p => p["name"]?.GetValue<string>() == name)?["containerPort"]?.GetValue<int>();
    }
}
