using System.Text.Json.Nodes;
using ShopOperator.Model;

namespace ShopOperator.Diagnose;

/// <summary>The ShopInstance of a snapshot read once: names, references and what the operator would render for it.</summary>
internal sealed class ShopView
{
    public ShopView(ClusterSnapshot snapshot)
        : this(snapshot, ParsedShop.Parse(snapshot.Shop), null)
    {
    }

    /// <summary>For a caller that has parsed the shop already (the reconciler) and knows the children it applies.</summary>
    public ShopView(ClusterSnapshot snapshot, ParsedShop parsed, IReadOnlyList<JsonObject>? desired)
    {
        Snapshot = snapshot;
        Name = (string?)snapshot.Shop["metadata"]?["name"] ?? "";
        Namespace = (string?)snapshot.Shop["metadata"]?["namespace"] ?? "default";
        Host = (string?)snapshot.Shop["spec"]?["host"];
        Ingress = snapshot.Ingresses.FirstOrDefault(i => DiagnosisSteps.NameOf(i) == Name);
        IngressClassName = (string?)Ingress?["spec"]?["ingressClassName"];
        Route = snapshot.HttpRoutes.FirstOrDefault(r => DiagnosisSteps.NameOf(r) == Name);
        ParentRefs = (snapshot.Shop["spec"]?["gateway"]?["parentRefs"] as JsonArray)?.OfType<JsonObject>()
            .Select(p => ((string?)p["namespace"] ?? Namespace) + "/" + (string?)p["name"]).Distinct(StringComparer.Ordinal).ToList() ?? [];
        if (parsed.Shop is { } typed)
        {
            Desired = desired ?? DesiredState.Build(typed, typed.Spec.Image, typed.Spec.Image);
            TlsSecretName = (string?)DesiredOf("Ingress", Name)?["spec"]?["tls"]?[0]?["secretName"];
            DatabaseSecret = typed.Spec.Database.ConnectionSecretRef is { } connection
                ? (connection.Name, connection.Key ?? Defaults.ConnectionStringKey)
                : (DesiredState.DatabaseSecretName(Name), "connectionString");
            DatabaseSecretRef = typed.Spec.Database.ConnectionSecretRef ?? new SecretKeyRef { Name = DesiredState.DatabaseSecretName(Name) };
        }
        else
        {
            InvalidReason = parsed.Errors[0].ToString();
        }
    }

    public ClusterSnapshot Snapshot { get; }

    public string Name { get; }

    public string Namespace { get; }

    public string? Host { get; }

    public JsonObject? Ingress { get; }

    public string? IngressClassName { get; }

    /// <summary>True when the shop is exposed through the Gateway API (spec.gateway) instead of an Ingress.</summary>
    public bool UsesGateway => ParentRefs.Count > 0;

    /// <summary>The live HTTPRoute of a gateway shop, or null.</summary>
    public JsonObject? Route { get; }

    /// <summary>The Gateways of spec.gateway.parentRefs as "namespace/name", in order.</summary>
    public IReadOnlyList<string> ParentRefs { get; }

    /// <summary>The children the operator would apply now; null when the spec is invalid.</summary>
    public IReadOnlyList<JsonObject>? Desired { get; }

    public string? InvalidReason { get; }

    public string? TlsSecretName { get; }

    public (string Name, string Key)? DatabaseSecret { get; }

    /// <summary>The connection Secret as the spec references it (its format says which keys the shop reads).</summary>
    public SecretKeyRef? DatabaseSecretRef { get; }

    public JsonObject? DesiredOf(string kind, string name) =>
        Desired?.FirstOrDefault(o => (string?)o["kind"] == kind && DiagnosisSteps.NameOf(o) == name);

    /// <summary>
    /// Where traffic for the host enters: the Ingress's status.loadBalancer, or for a gateway shop the addresses of
    /// its Gateways (status.addresses, type IPAddress or Hostname).
    /// </summary>
    public IEnumerable<(string? Ip, string? Hostname)> LoadBalancerAddresses() => UsesGateway
        ? ParentRefs.Select(r => Snapshot.Gateways.GetValueOrDefault(r)).OfType<JsonObject>()
            .SelectMany(g => (g["status"]?["addresses"] as JsonArray)?.OfType<JsonObject>() ?? [])
            .Select(a => ((string?)a["type"] is "Hostname" ? (null, (string?)a["value"]) : ((string?)a["value"], (string?)null)))
            .Where(a => a.Item1 is not null || a.Item2 is not null)
        : (Ingress?["status"]?["loadBalancer"]?["ingress"] as JsonArray)?.OfType<JsonObject>()
            .Select(a => ((string?)a["ip"], (string?)a["hostname"]))
            .Where(a => a.Item1 is not null || a.Item2 is not null) ?? [];

    public IEnumerable<JsonObject> PodsOf(string tier) =>
        Snapshot.Pods.Where(p => (string?)p["metadata"]?["labels"]?["app.kubernetes.io/instance"] == Name
            && (string?)p["metadata"]?["labels"]?["app.kubernetes.io/component"] == tier);

    public JsonObject? ConditionOf(string type) =>
        (Snapshot.Shop["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == type);

    public IEnumerable<JsonObject> WarningEventsFor(string objectName) =>
        Snapshot.Events.Where(e => (string?)e["type"] == "Warning" && (string?)e["involvedObject"]?["name"] == objectName);

    /// <summary>
    /// The namespace's Events about this shop: the ShopInstance, its children (live or wanted), its pods, and the
    /// ReplicaSets of its Deployments (&lt;deployment&gt;-&lt;hash&gt;, where quota denials land). Another shop's Events
    /// (demo-gateway next to demo) are not this shop's.
    /// </summary>
    public IEnumerable<JsonObject> EventsAboutTheShop()
    {
        var names = new HashSet<string>(StringComparer.Ordinal) { Name };
        names.UnionWith(Children().Select(DiagnosisSteps.NameOf));
        names.UnionWith(Desired?.Select(DiagnosisSteps.NameOf) ?? []);
        names.UnionWith(Snapshot.Pods.Select(DiagnosisSteps.NameOf));
        var deployments = new[] { Name + "-web-", Name + "-api-" };
        return Snapshot.Events.Where(e =>
        {
            var kind = (string?)e["involvedObject"]?["kind"];
            var name = (string?)e["involvedObject"]?["name"] ?? "";
            return kind == "ShopInstance" ? name == Name
                : kind == "ReplicaSet" ? deployments.Any(d => name.StartsWith(d, StringComparison.Ordinal) && !name[d.Length..].Contains('-', StringComparison.Ordinal))
                : names.Contains(name);
        });
    }

    /// <summary>The live objects the shop owns (by name, as the operator names them).</summary>
    public IEnumerable<JsonObject> Children() =>
        Snapshot.Deployments.Concat(Snapshot.Services).Concat(Snapshot.Ingresses).Concat(Snapshot.HttpRoutes).Concat(Snapshot.NetworkPolicies)
            .Where(o => (o["metadata"]?["ownerReferences"] as JsonArray)?.Any(r => (string?)r?["kind"] == "ShopInstance" && (string?)r?["name"] == Name) == true);
}
