using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>
/// What the controllers watch: a pod or Service change updates the EndpointSlices concerned; a Secret or
/// ConfigMap change (or a change of the image fault lists) re-runs the deployment controller for every
/// Deployment of the namespace that is not complete, so a pod waiting on its inputs starts once they exist,
/// without a new generation, as on a real cluster.
/// </summary>
internal sealed partial class ApiStore
{
    /// <summary>The keys of each collection in each namespace ("collection|namespace|"), so a controller reads one namespace without scanning the store.</summary>
    private readonly Dictionary<string, SortedSet<string>> _keysByNamespace = new(StringComparer.Ordinal);

    /// <summary>The keys of the objects each controller (by uid) owns: a ReplicaSet's pods, a Deployment's ReplicaSets.</summary>
    private readonly Dictionary<string, SortedSet<string>> _keysByController = new(StringComparer.Ordinal);

    private static string? ControllerUid(JsonObject obj) =>
        (obj["metadata"]?["ownerReferences"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(r => r["controller"]?.GetValue<bool>() == true)?["uid"]?.GetValue<string>();

    /// <summary>The objects <paramref name="owner"/> controls, in key order.</summary>
    private List<(string Key, JsonObject Obj)> ControlledBy(JsonObject owner) =>
        [.. (_keysByController.GetValueOrDefault(Meta(owner, "uid") ?? "") ?? []).Where(_objects.ContainsKey).Select(k => (k, _objects[k])).Where(p => IsControlledBy(p.Item2, Meta(owner, "uid")))];

    /// <summary>Called under the lock after every stored or removed object.</summary>
    private void AfterChange(ResourceType type, JsonObject obj)
    {
        var prefix = $"{type.Collection}|{Meta(obj, "namespace")}|";
        var key = prefix + Meta(obj, "name");
        if (_objects.ContainsKey(key))
        {
            if (!_keysByNamespace.TryGetValue(prefix, out var keys))
            {
                _keysByNamespace[prefix] = keys = new SortedSet<string>(StringComparer.Ordinal);
            }

            keys.Add(key);
        }
        else
        {
            _keysByNamespace.GetValueOrDefault(prefix)?.Remove(key);
        }

        if (ControllerUid(obj) is { } owner)
        {
            if (!_keysByController.TryGetValue(owner, out var owned))
            {
                _keysByController[owner] = owned = new SortedSet<string>(StringComparer.Ordinal);
            }

            if (_objects.ContainsKey(key))
            {
                owned.Add(key);
            }
            else
            {
                owned.Remove(key);
            }
        }

        if (type.IsCustom || Meta(obj, "namespace") is not { } ns)
        {
            return;
        }

        switch (type.Group, type.Plural)
        {
            case ("", "pods") or ("", "services"):
                if (_objects.GetValueOrDefault(Key(_types[0], null, ns))?["metadata"]?["deletionTimestamp"] is null)
                {
                    if (type.Plural == "pods")
                    {
                        PodChanged(ns, key, obj);
                    }
                    else
                    {
                        ServiceChanged(ns, key, obj);
                    }
                }

                break;
            case ("", "secrets") or ("", "configmaps"):
                ReevaluateDeployments(ns == "kube-system" && Meta(obj, "name") == "emulator-faults" ? null : ns);
                break;
        }
    }

    /// <summary>Starts a controller run for each Deployment (of <paramref name="ns"/>, or of all namespaces) whose pods are not all available and that has none running.</summary>
    private void ReevaluateDeployments(string? ns)
    {
        var type = BuiltInType("apps", "deployments");
        var namespaces = ns is null ? _objects.Values.Where(o => o["kind"]?.GetValue<string>() == "Namespace").Select(o => Meta(o, "name")!).ToList() : [ns];
        foreach (var (key, deployment) in namespaces.SelectMany(n => InNamespace(type, n)))
        {
            var desired = deployment["spec"]?["replicas"]?.GetValue<int>() ?? 1;
            if (_deploymentRuns.ContainsKey(key) || !_deploymentPods.TryGetValue(key, out var pods) || DeploymentController.IsComplete(pods, desired)
                || deployment["metadata"]?["deletionTimestamp"] is not null)
            {
                continue;
            }

            var generation = deployment["metadata"]!["generation"]!.GetValue<long>();
            _deploymentRuns[key] = generation;
            _ = RunDeploymentControllerAsync(type, key, generation, _time.GetUtcNow());
        }
    }

    /// <summary>One step of the deployment controller for <paramref name="current"/>: the next pod counts, the ReplicaSets and Pods behind them, and whether the template's pods can start at all.</summary>
    private DeploymentPods StepDeployment(string key, JsonObject current)
    {
        var ns = Meta(current, "namespace")!;
        var template = current["spec"]?["template"];
        var desired = current["spec"]?["replicas"]?.GetValue<int>() ?? 1;
        var faults = CurrentImageFaults();
        var failing = EvaluateTemplate(template, ns, faults).Any(v => v.Problem != ContainerProblem.None);
        var pods = DeploymentController.Step(DeploymentPods.For(_deploymentPods.GetValueOrDefault(key), template?.ToJsonString() ?? ""), desired, failing);
        _deploymentPods[key] = pods;
        SyncReplicaSets(current, pods, faults);
        return pods;
    }

    /// <summary>The answer to <c>GET pods/{name}/log</c> (text/plain), or an error Status.</summary>
    private (int Code, string? Text, JsonObject? Error) PodLogOf(string ns, string name, IQueryCollection query)
    {
        lock (_gate)
        {
            if (!_objects.TryGetValue(Key(BuiltInType("", "pods"), ns, name), out var pod))
            {
                return (404, null, Status(404, "NotFound", $"pods \"{name}\" not found", new JsonObject { ["name"] = name, ["kind"] = "pods" }));
            }

            var tail = int.TryParse(query["tailLines"].FirstOrDefault(), System.Globalization.CultureInfo.InvariantCulture, out var t) ? t : (int?)null;
            return PodLog.Read(pod, query["container"].FirstOrDefault(), query["previous"].FirstOrDefault() is "true" or "1", tail);
        }
    }
}
