using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>
/// Server-side field validation ("API Concepts", Field validation): unknown and duplicate fields of a request body.
/// Built-in kinds are checked against the fields of the kinds the operator and kubectl write (Go structs cannot hold
/// others, so they are always dropped); custom resources against their CRD schema (see <see cref="Schema"/>).
/// </summary>
internal static class FieldValidation
{
    public const string Strict = "Strict";
    public const string Warn = "Warn";
    public const string Ignore = "Ignore";

    private static readonly string[] Meta =
    [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
    ];

    private static readonly string[] DeploymentSpec = ["replicas", "selector", "template", "strategy", "minReadySeconds", "revisionHistoryLimit", "paused", "progressDeadlineSeconds"];

    private static readonly string[] PodSpec =
    [
        "volumes", "initContainers", "containers", "ephemeralContainers", "restartPolicy", "terminationGracePeriodSeconds", "activeDeadlineSeconds",
        "dnsPolicy", "nodeSelector", "serviceAccountName", "serviceAccount", "automountServiceAccountToken", "nodeName", "hostNetwork", "hostPID",
        "hostIPC", "shareProcessNamespace", "securityContext", "imagePullSecrets", "hostname", "subdomain", "affinity", "schedulerName", "tolerations",
        "hostAliases", "priorityClassName", "priority", "dnsConfig", "readinessGates", "runtimeClassName", "enableServiceLinks", "preemptionPolicy",
        "overhead", "topologySpreadConstraints", "setHostnameAsFQDN", "os", "hostUsers", "schedulingGates", "resourceClaims", "resources",
    ];

    private static readonly string[] Container =
    [
        "name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources", "resizePolicy", "restartPolicy", "volumeMounts",
        "volumeDevices", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "terminationMessagePath", "terminationMessagePolicy",
        "imagePullPolicy", "securityContext", "stdin", "stdinOnce", "tty",
    ];

    private static readonly string[] ServiceSpec =
    [
        "ports", "selector", "clusterIP", "clusterIPs", "type", "externalIPs", "sessionAffinity", "loadBalancerIP", "loadBalancerSourceRanges",
        "externalName", "externalTrafficPolicy", "healthCheckNodePort", "publishNotReadyAddresses", "sessionAffinityConfig", "ipFamilies",
        "ipFamilyPolicy", "allocateLoadBalancerNodePorts", "loadBalancerClass", "internalTrafficPolicy", "trafficDistribution",
    ];

    /// <summary>The top-level fields of each built-in kind besides apiVersion, kind and metadata.</summary>
    private static string[] TopLevel(ResourceType type) => (type.Group, type.Kind) switch
    {
        ("", "Secret") => ["data", "stringData", "type", "immutable"],
        ("", "ConfigMap") => ["data", "binaryData", "immutable"],
        ("", "ServiceAccount") => ["secrets", "imagePullSecrets", "automountServiceAccountToken"],
        ("", "Event") => ["involvedObject", "reason", "message", "source", "firstTimestamp", "lastTimestamp", "count", "type", "eventTime", "series", "action", "related", "reportingComponent", "reportingInstance"],
        ("events.k8s.io", "Event") => ["eventTime", "series", "reportingController", "reportingInstance", "action", "reason", "regarding", "related", "note", "type", "deprecatedSource", "deprecatedFirstTimestamp", "deprecatedLastTimestamp", "deprecatedCount"],
        ("rbac.authorization.k8s.io", "Role") => ["rules"],
        ("rbac.authorization.k8s.io", "ClusterRole") => ["rules", "aggregationRule"],
        ("rbac.authorization.k8s.io", "RoleBinding" or "ClusterRoleBinding") => ["subjects", "roleRef"],
        ("discovery.k8s.io", "EndpointSlice") => ["addressType", "endpoints", "ports"],
        (_, "NetworkPolicy" or "Lease") => ["spec"],
        _ => ["spec", "status"],
    };

    /// <summary>Removes the fields of <paramref name="obj"/> its built-in kind does not have and returns their paths.</summary>
    public static List<string> PruneUnknown(ResourceType type, JsonObject obj)
    {
        var unknown = new List<string>();
        if (type.IsCustom)
        {
            return unknown;
        }

        Check(obj, ["apiVersion", "kind", "metadata", .. TopLevel(type)], "", unknown);
        Check(obj["metadata"], Meta, "metadata", unknown);
        switch (type.Kind)
        {
            case "Deployment":
                Check(obj["spec"], DeploymentSpec, "spec", unknown);
                Check(obj["spec"]?["template"], ["metadata", "spec"], "spec.template", unknown);
                Check(obj["spec"]?["template"]?["metadata"], Meta, "spec.template.metadata", unknown);
                CheckPodSpec(obj["spec"]?["template"]?["spec"], "spec.template.spec", unknown);
                break;
            case "Pod":
                CheckPodSpec(obj["spec"], "spec", unknown);
                break;
            case "Service":
                Check(obj["spec"], ServiceSpec, "spec", unknown);
                break;
        }

        return unknown;
    }

    private static void CheckPodSpec(JsonNode? spec, string path, List<string> unknown)
    {
        Check(spec, PodSpec, path, unknown);
        foreach (var list in new[] { "initContainers", "containers" })
        {
            if (spec?[list] is JsonArray containers)
            {
                for (var i = 0; i < containers.Count; i++)
                {
                    Check(containers[i], Container, $"{path}.{list}[{i}]", unknown);
                }
            }
        }
    }

    private static void Check(JsonNode? node, string[] known, string path, List<string> unknown)
    {
        if (node is not JsonObject obj)
        {
            return;
        }

        foreach (var key in obj.Select(p => p.Key).Where(k => !known.Contains(k)).ToList())
        {
            obj.Remove(key);
            unknown.Add(path.Length == 0 ? key : $"{path}.{key}");
        }
    }

    /// <summary>
    /// A JSON body as a tree, the last of duplicate fields winning as in Go's decoder; the paths of the duplicates
    /// go to <paramref name="duplicates"/>.
    /// </summary>
    public static JsonNode? ParseJson(string text, List<string> duplicates)
    {
        using var document = JsonDocument.Parse(text);
        return Convert(document.RootElement, "", duplicates);
    }

    private static JsonNode? Convert(JsonElement element, string path, List<string> duplicates)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var obj = new JsonObject();
                foreach (var property in element.EnumerateObject())
                {
                    var childPath = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
                    if (obj.ContainsKey(property.Name))
                    {
                        duplicates.Add(childPath);
                    }

                    obj[property.Name] = Convert(property.Value, childPath, duplicates);
                }

                return obj;
            case JsonValueKind.Array:
                return new JsonArray([.. element.EnumerateArray().Select((e, i) => Convert(e, $"{path}[{i}]", duplicates))]);
            case JsonValueKind.Null:
                return null;
            default:
                return JsonValue.Create(element.Clone());
        }
    }
}
