using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>One served resource: built in, or from an installed CustomResourceDefinition.</summary>
internal sealed record ResourceType(
    string Group,
    string Version,
    string Plural,
    string Kind,
    bool Namespaced,
    bool HasStatus,
    string[] ShortNames,
    JsonObject? Schema = null,
    JsonArray? PrinterColumns = null,
    bool IsCustom = false)
{
    public string GroupVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string Collection => $"{Group}/{Plural}";

    public static IReadOnlyList<ResourceType> BuiltIn { get; } =
    [
        new("", "v1", "namespaces", "Namespace", false, true, ["ns"]),
        new("", "v1", "secrets", "Secret", true, false, []),
        new("", "v1", "configmaps", "ConfigMap", true, false, ["cm"]),
        new("", "v1", "services", "Service", true, true, ["svc"]),
        new("", "v1", "serviceaccounts", "ServiceAccount", true, false, ["sa"]),
        new("", "v1", "events", "Event", true, false, ["ev"], PrinterColumns: Columns(
            ("Last Seen", "string", ".lastTimestamp"), ("Type", "string", ".type"), ("Reason", "string", ".reason"),
            ("Object", "string", ".involvedObject.name"), ("Message", "string", ".message"))),
        new("", "v1", "pods", "Pod", true, true, ["po"], PrinterColumns: Columns(
            ("Ready", "string", ".status.containerStatuses"), ("Status", "string", ".status.phase"),
            ("Restarts", "string", ".status.containerStatuses"), ("IP", "string", ".status.podIP"))),
        new("apps", "v1", "deployments", "Deployment", true, true, ["deploy"], PrinterColumns: Columns(
            ("Ready", "integer", ".status.readyReplicas"), ("Up-to-date", "integer", ".status.updatedReplicas"),
            ("Available", "integer", ".status.availableReplicas"))),
        new("apps", "v1", "replicasets", "ReplicaSet", true, true, ["rs"], PrinterColumns: Columns(
            ("Desired", "integer", ".spec.replicas"), ("Current", "integer", ".status.replicas"), ("Ready", "integer", ".status.readyReplicas"))),
        new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true, false, [], PrinterColumns: Columns(
            ("AddressType", "string", ".addressType"), ("Ports", "string", ".ports"), ("Endpoints", "string", ".endpoints"))),
        new("rbac.authorization.k8s.io", "v1", "roles", "Role", true, false, []),
        new("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, false, []),
        new("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, false, []),
        new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false, false, []),
        new("networking.k8s.io", "v1", "ingresses", "Ingress", true, true, ["ing"]),
        new("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, false, ["netpol"]),
        new("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, true, ["pdb"]),
        new("coordination.k8s.io", "v1", "leases", "Lease", true, false, []),
        new("events.k8s.io", "v1", "events", "Event", true, false, ["ev"]),
        new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, true, ["crd", "crds"]),
    ];

    /// <summary>The columns kubectl shows for a built-in kind (a subset of the server's own table printers).</summary>
    private static JsonArray Columns(params (string Name, string Type, string JsonPath)[] columns) =>
        [.. columns.Select(c => (JsonNode?)new JsonObject { ["name"] = c.Name, ["type"] = c.Type, ["jsonPath"] = c.JsonPath })];
}
