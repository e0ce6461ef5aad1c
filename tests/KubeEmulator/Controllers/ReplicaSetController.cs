using System.Globalization;
using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>
/// The objects behind a Deployment's pod counts, as kube-controller-manager's deployment and replicaset
/// controllers and the kubelet keep them: one apps/v1 ReplicaSet per pod template (name
/// <c>&lt;deployment&gt;-&lt;pod-template-hash&gt;</c>, controller reference to the Deployment), and its core/v1 Pods
/// (controller reference to the ReplicaSet, spec from the template, status from <see cref="PodStatus"/>).
/// </summary>
internal sealed partial class ApiStore
{
    private const string TemplateHashLabel = "pod-template-hash";
    private const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    private long _podIps;

    private ResourceType BuiltInType(string group, string plural) => _types.Find(t => !t.IsCustom && t.Group == group && t.Plural == plural)!;

    private ImageFaults CurrentImageFaults() =>
        ImageFaults.From(_objects.GetValueOrDefault(Key(BuiltInType("", "configmaps"), "kube-system", "emulator-faults")));

    /// <summary>What starting the containers of <paramref name="template"/> in <paramref name="ns"/> gives now.</summary>
    private IReadOnlyList<ContainerVerdict> EvaluateTemplate(JsonNode? template, string ns, ImageFaults faults) =>
        PodInputs.Evaluate(template?["spec"] as JsonObject, ns, (kind, name) =>
            _objects.GetValueOrDefault(Key(BuiltInType("", kind == "Secret" ? "secrets" : "configmaps"), ns, name)), faults);

    /// <summary>rand.SafeEncodeString of the template's FNV-1a hash, as the deployment controller names ReplicaSets.</summary>
    internal static string TemplateHash(string template)
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var hash = 2166136261u;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(template))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return new string([.. hash.ToString(CultureInfo.InvariantCulture).Select(c => alphabet[c % alphabet.Length])]);
    }

    /// <summary>
    /// The five characters a generated name ends in (upstream: generateName's rand.String(5) of the same alphabet),
    /// derived from <paramref name="seed"/>: a hash of fewer than five digits is padded, never cut past its end.
    /// </summary>
    internal static string NameSuffix(string seed) => TemplateHash(seed).PadLeft(5, 'b')[..5];

    private static JsonObject ControllerRef(JsonObject owner) => new()
    {
        ["apiVersion"] = owner["apiVersion"]!.DeepClone(),
        ["kind"] = owner["kind"]!.DeepClone(),
        ["name"] = owner["metadata"]!["name"]!.DeepClone(),
        ["uid"] = owner["metadata"]!["uid"]!.DeepClone(),
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };

    private static bool IsControlledBy(JsonObject obj, string? ownerUid) =>
        obj["metadata"]?["ownerReferences"] is JsonArray refs
        && refs.Any(r => r?["uid"]?.GetValue<string>() == ownerUid && r?["controller"]?.GetValue<bool>() == true);

    /// <summary>The objects of <paramref name="type"/> in <paramref name="ns"/> (null: cluster-scoped), in key order.</summary>
    private List<(string Key, JsonObject Obj)> InNamespace(ResourceType type, string? ns) =>
        [.. (_keysByNamespace.GetValueOrDefault($"{type.Collection}|{ns}|") ?? []).Where(_objects.ContainsKey).Select(k => (k, _objects[k]))];

    /// <summary>
    /// Brings the ReplicaSets and Pods of <paramref name="deployment"/> in line with <paramref name="pods"/>: the
    /// new template's ReplicaSet with <see cref="DeploymentPods.NewTotal"/> pods of which the first
    /// <see cref="DeploymentPods.NewReady"/> are Ready, the previous template's with <see cref="DeploymentPods.Old"/>
    /// Ready pods, any older one scaled to 0.
    /// </summary>
    private void SyncReplicaSets(JsonObject deployment, DeploymentPods pods, ImageFaults faults)
    {
        var ns = Meta(deployment, "namespace")!;
        if (deployment["metadata"]?["deletionTimestamp"] is not null
            || _objects.GetValueOrDefault(Key(_types[0], null, ns))?["metadata"]?["deletionTimestamp"] is not null)
        {
            return;
        }

        var rsType = BuiltInType("apps", "replicasets");
        var owned = ControlledBy(deployment);
        var revision = owned.Select(p => long.TryParse(p.Obj["metadata"]?["annotations"]?[RevisionAnnotation]?.GetValue<string>(), CultureInfo.InvariantCulture, out var r) ? r : 0).DefaultIfEmpty(0).Max();
        var wanted = new Dictionary<string, (string Template, int Total, int Ready)>(StringComparer.Ordinal)
        {
            [TemplateHash(pods.Template)] = (pods.Template, pods.NewTotal, pods.NewReady),
        };
        if (pods.OldTemplate is not null && pods.Old > 0)
        {
            wanted.TryAdd(TemplateHash(pods.OldTemplate), (pods.OldTemplate, pods.Old, pods.Old));
        }

        foreach (var (key, rs) in owned)
        {
            var hash = rs["metadata"]?["labels"]?[TemplateHashLabel]?.GetValue<string>() ?? "";
            if (!wanted.ContainsKey(hash) && _objects.ContainsKey(key))
            {
                SyncReplicaSet(rsType, key, rs, 0, 0, deployment, faults);
            }
        }

        foreach (var (hash, (template, total, ready)) in wanted)
        {
            var name = $"{Meta(deployment, "name")}-{hash}";
            var key = Key(rsType, ns, name);
            if (!_objects.TryGetValue(key, out var rs))
            {
                if (total == 0)
                {
                    continue;
                }

                rs = NewReplicaSet(deployment, JsonNode.Parse(template) as JsonObject ?? [], name, hash, revision + 1);
                Initialize(rs, rsType, ns);
                Store(rsType, key, rs, "ADDED");
            }
            else if (hash == TemplateHash(pods.Template) && owned.Count > 1
                && rs["metadata"]?["annotations"]?[RevisionAnnotation]?.GetValue<string>() != revision.ToString(CultureInfo.InvariantCulture))
            {
                // A rollback makes the old ReplicaSet the newest revision again.
                rs = (JsonObject)rs.DeepClone();
                rs["metadata"]!["annotations"]![RevisionAnnotation] = (revision + 1).ToString(CultureInfo.InvariantCulture);
                Store(rsType, key, rs, "MODIFIED");
            }

            SyncReplicaSet(rsType, key, _objects[key], total, ready, deployment, faults);
        }
    }

    private static JsonObject NewReplicaSet(JsonObject deployment, JsonObject template, string name, string hash, long revision)
    {
        var podTemplate = (JsonObject)template.DeepClone();
        var templateMeta = podTemplate["metadata"] as JsonObject ?? [];
        podTemplate["metadata"] = templateMeta;
        var labels = templateMeta["labels"] as JsonObject ?? [];
        templateMeta["labels"] = labels;
        labels[TemplateHashLabel] = hash;
        var selector = deployment["spec"]?["selector"]?.DeepClone() as JsonObject ?? [];
        var matchLabels = selector["matchLabels"] as JsonObject ?? [];
        selector["matchLabels"] = matchLabels;
        matchLabels[TemplateHashLabel] = hash;
        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "ReplicaSet",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["labels"] = labels.DeepClone(),
                ["annotations"] = new JsonObject
                {
                    [RevisionAnnotation] = revision.ToString(CultureInfo.InvariantCulture),
                    ["deployment.kubernetes.io/desired-replicas"] = (deployment["spec"]?["replicas"]?.GetValue<int>() ?? 1).ToString(CultureInfo.InvariantCulture),
                },
                ["ownerReferences"] = new JsonArray(ControllerRef(deployment)),
            },
            ["spec"] = new JsonObject { ["replicas"] = 0, ["selector"] = selector, ["template"] = podTemplate },
        };
    }

    /// <summary>The replicaset controller and the kubelet for one ReplicaSet: <paramref name="total"/> pods, the first <paramref name="ready"/> of them Ready.</summary>
    private void SyncReplicaSet(ResourceType rsType, string key, JsonObject rs, int total, int ready, JsonObject deployment, ImageFaults faults)
    {
        var ns = Meta(rs, "namespace")!;
        var podType = BuiltInType("", "pods");
        var template = rs["spec"]?["template"] as JsonObject ?? [];
        var verdicts = EvaluateTemplate(template, ns, faults);

        // Ready pods first, then by age: scaling down removes the not-ready and the youngest ones first.
        var existing = ControlledBy(rs).Where(p => p.Obj["metadata"]?["deletionTimestamp"] is null)
            .OrderByDescending(p => PodStatus.IsReady(p.Obj)).ThenBy(p => p.Obj["metadata"]?["creationTimestamp"]?.GetValue<string>(), StringComparer.Ordinal).ThenBy(p => p.Key, StringComparer.Ordinal)
            .ToList();
        foreach (var (podKey, pod) in existing.Skip(total))
        {
            Remove(podType, podKey, pod);
        }

        var now = _time.GetUtcNow();
        for (var i = 0; i < total; i++)
        {
            var started = i < existing.Count;
            var (podKey, pod) = started ? existing[i] : NewPod(podType, rs, template);
            var ip = pod["status"]?["podIP"]?.GetValue<string>() ?? NextPodIp();
            var podStatus = PodStatus.For(pod, verdicts, i < ready, started, now, _options.DeploymentControllerDelay, ip);
            if (!JsonNode.DeepEquals(podStatus, pod["status"]))
            {
                // Copied only when it changes: a step of a rollout leaves most pods as they are.
                var next = (JsonObject)pod.DeepClone();
                next["status"] = podStatus;
                Store(podType, podKey, next, started ? "MODIFIED" : "ADDED");
            }
        }

        var readyNow = ControlledBy(rs).Count(p => PodStatus.IsReady(p.Obj));
        var desiredReplicas = (deployment["spec"]?["replicas"]?.GetValue<int>() ?? 1).ToString(CultureInfo.InvariantCulture);
        var status = new JsonObject
        {
            ["replicas"] = total,
            ["fullyLabeledReplicas"] = total,
            ["readyReplicas"] = readyNow,
            ["availableReplicas"] = readyNow,
            ["observedGeneration"] = rs["metadata"]?["generation"]?.GetValue<long>() ?? 1,
        };
        foreach (var field in new[] { "fullyLabeledReplicas", "readyReplicas", "availableReplicas" })
        {
            if (status[field]!.GetValue<int>() == 0)
            {
                status.Remove(field);
            }
        }

        if (rs["spec"]?["replicas"] is JsonValue replicas && replicas.TryGetValue<int>(out var current) && current == total
            && rs["metadata"]?["annotations"]?["deployment.kubernetes.io/desired-replicas"] is JsonValue annotation
            && annotation.TryGetValue<string>(out var annotated) && annotated == desiredReplicas && JsonNode.DeepEquals(status, rs["status"]))
        {
            // Nothing to write (the copy below is only made for a change): same replicas, annotation and status.
            return;
        }

        var nextRs = (JsonObject)rs.DeepClone();
        nextRs["spec"]!["replicas"] = total;
        nextRs["metadata"]!["annotations"]!["deployment.kubernetes.io/desired-replicas"] = desiredReplicas;
        nextRs["status"] = status;
        if (!JsonNode.DeepEquals(nextRs["spec"], rs["spec"]) && rs["metadata"]?["generation"] is not null)
        {
            nextRs["metadata"]!["generation"] = rs["metadata"]!["generation"]!.GetValue<long>() + 1;
            status["observedGeneration"] = nextRs["metadata"]!["generation"]!.DeepClone();
        }

        if (!JsonNode.DeepEquals(nextRs, rs))
        {
            Store(rsType, key, nextRs, "MODIFIED");
        }
    }

    private (string Key, JsonObject Pod) NewPod(ResourceType podType, JsonObject rs, JsonObject template)
    {
        var ns = Meta(rs, "namespace")!;
        string name;
        do
        {
            name = $"{Meta(rs, "name")}-{NameSuffix(Guid.NewGuid().ToString())}";
        }
        while (_objects.ContainsKey(Key(podType, ns, name)));

        var spec = template["spec"]?.DeepClone() as JsonObject ?? [];
        spec["nodeName"] = "emulator-node";
        spec["serviceAccountName"] ??= "default";
        spec["serviceAccount"] = spec["serviceAccountName"]!.DeepClone();
        var meta = new JsonObject
        {
            ["name"] = name,
            ["generateName"] = $"{Meta(rs, "name")}-",
            ["labels"] = template["metadata"]?["labels"]?.DeepClone(),
            ["ownerReferences"] = new JsonArray(ControllerRef(rs)),
        };
        if (template["metadata"]?["annotations"] is JsonObject annotations)
        {
            meta["annotations"] = annotations.DeepClone();
        }

        var pod = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = meta, ["spec"] = spec };
        Initialize(pod, podType, ns);
        pod["metadata"]!.AsObject().Remove("generation");
        return (Key(podType, ns, name), pod);
    }

    /// <summary>The next address of the pod network 10.244.0.0/16.</summary>
    private string NextPodIp()
    {
        var n = ++_podIps;
        return $"10.244.{(n / 254) % 256}.{(n % 254) + 1}";
    }
}
