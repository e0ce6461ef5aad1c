using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>
/// kube-controller-manager's endpointslice controller: for every Service with a selector, one
/// discovery.k8s.io/v1 EndpointSlice (label <c>kubernetes.io/service-name</c>, controller reference to the
/// Service) listing the selected pods that have an IP, with <c>conditions.ready</c> from the pod's Ready
/// condition, a <c>targetRef</c> to the pod and the Service's ports resolved to the pods' target ports.
/// </summary>
internal sealed partial class ApiStore
{
    private const string ServiceNameLabel = "kubernetes.io/service-name";
    private const string ManagedByLabel = "endpointslice.kubernetes.io/managed-by";

    private void SyncEndpointSlices(string ns)
    {
        var sliceType = BuiltInType("discovery.k8s.io", "endpointslices");
        var services = InNamespace(BuiltInType("", "services"), ns);
        var pods = InNamespace(BuiltInType("", "pods"), ns).Select(p => p.Obj).Where(p => p["metadata"]?["deletionTimestamp"] is null).ToList();
        var slices = InNamespace(sliceType, ns).Where(p => p.Obj["metadata"]?["labels"]?[ManagedByLabel]?.GetValue<string>() == "endpointslice-controller.k8s.io").ToList();
        foreach (var (_, service) in services)
        {
            var existing = slices.Where(s => IsControlledBy(s.Obj, Meta(service, "uid"))).ToList();
            if (service["spec"]?["selector"] is not JsonObject { Count: > 0 } selector || service["spec"]?["type"]?.GetValue<string>() == "ExternalName"
                || service["metadata"]?["deletionTimestamp"] is not null)
            {
                // "Services without selectors": the controller manages no slice for them.
                foreach (var (key, slice) in existing)
                {
                    Remove(sliceType, key, slice);
                }

                continue;
            }

            var selected = pods.Where(p => selector.All(s => p["metadata"]?["labels"]?[s.Key]?.GetValue<string>() == s.Value?.GetValue<string>())).ToList();
            var desired = Slice(service, selected);
            if (existing.Count == 0)
            {
                var name = $"{Meta(service, "name")}-{TemplateHash(Meta(service, "uid")!)[..5]}";
                desired["metadata"]!["name"] = name;
                Initialize(desired, sliceType, ns);
                Store(sliceType, Key(sliceType, ns, name), desired, "ADDED");
                continue;
            }

            var (sliceKey, current) = existing[0];
            var next = (JsonObject)current.DeepClone();
            next["metadata"]!["labels"] = desired["metadata"]!["labels"]!.DeepClone();
            next["endpoints"] = desired["endpoints"]?.DeepClone();
            next["ports"] = desired["ports"]?.DeepClone();
            foreach (var field in new[] { "endpoints", "ports" })
            {
                if (next[field] is null)
                {
                    next.Remove(field);
                }
            }

            if (!JsonNode.DeepEquals(next, current))
            {
                Store(sliceType, sliceKey, next, "MODIFIED");
            }
        }
    }

    private static JsonObject Slice(JsonObject service, List<JsonObject> pods)
    {
        var labels = service["metadata"]?["labels"]?.DeepClone() as JsonObject ?? [];
        labels[ServiceNameLabel] = Meta(service, "name");
        labels[ManagedByLabel] = "endpointslice-controller.k8s.io";
        var servicePorts = (service["spec"]?["ports"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var endpoints = new JsonArray();
        JsonArray? ports = null;
        foreach (var pod in pods.OrderBy(p => Meta(p, "name"), StringComparer.Ordinal))
        {
            if (pod["status"]?["podIP"]?.GetValue<string>() is not { } ip)
            {
                continue;
            }

            // A named targetPort is looked up in the pod's containers; a pod without it is left out (as upstream).
            var resolved = servicePorts.Select(p => (Port: p, Target: TargetPort(p, pod))).ToList();
            if (resolved.Exists(r => r.Target is null))
            {
                continue;
            }

            ports ??= new JsonArray([.. resolved.Select(r => (JsonNode)new JsonObject
            {
                ["name"] = r.Port["name"]?.DeepClone() ?? "",
                ["protocol"] = r.Port["protocol"]?.DeepClone() ?? "TCP",
                ["port"] = r.Target,
            })]);
            var ready = PodStatus.IsReady(pod);
            endpoints.Add(new JsonObject
            {
                ["addresses"] = new JsonArray(ip),
                ["conditions"] = new JsonObject { ["ready"] = ready, ["serving"] = ready, ["terminating"] = false },
                ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = Meta(pod, "namespace"), ["name"] = Meta(pod, "name"), ["uid"] = Meta(pod, "uid") },
                ["nodeName"] = pod["spec"]?["nodeName"]?.DeepClone(),
            });
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
        if (endpoints.Count > 0)
        {
            slice["endpoints"] = endpoints;
            slice["ports"] = ports;
        }

        return slice;
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
