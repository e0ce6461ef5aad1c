using System.Text.Json.Nodes;

namespace ShopOperator.Model.Specs;

/// <summary>
/// Default deny for the shop's pods, then what each tier needs: web from the ingress controller, api from the
/// ingress controller and web, metrics from the monitoring namespace; egress to the api (web), to the
/// database (api) and to DNS.
/// </summary>
public static class NetworkPolicies
{
    public const int PostgresPort = 5432;

    public static IReadOnlyList<JsonObject> Build(ShopInstance shop)
    {
        ArgumentNullException.ThrowIfNull(shop);
        var name = shop.Name;
        var spec = shop.Spec;
        return
        [
            Policy(shop, name + "-default-deny", null, [], []),
            Policy(
                shop,
                name + "-web",
                Tiers.Web,
                [new JsonObject { ["from"] = new JsonArray(FromIngressController()), ["ports"] = new JsonArray(Port(DesiredState.HttpPort)) }, Metrics()],
                [new JsonObject { ["to"] = new JsonArray(new JsonObject { ["podSelector"] = Pods(name, Tiers.Api) }), ["ports"] = new JsonArray(Port(DesiredState.HttpPort)) }, Dns()]),
            Policy(
                shop,
                name + "-api",
                Tiers.Api,
                [new JsonObject { ["from"] = new JsonArray(FromIngressController(), new JsonObject { ["podSelector"] = Pods(name, Tiers.Web) }), ["ports"] = new JsonArray(Port(DesiredState.HttpPort)) }, Metrics()],
                [Database(spec.Database.Egress), Dns()]),
        ];
    }

    private static JsonObject Policy(ShopInstance shop, string policyName, string? tier, JsonArray ingress, JsonArray egress) => new()
    {
        ["apiVersion"] = "networking.k8s.io/v1",
        ["kind"] = "NetworkPolicy",
        ["metadata"] = ChildMeta.For(shop, policyName, tier),
        ["spec"] = new JsonObject { ["podSelector"] = Pods(shop.Name, tier), ["policyTypes"] = new JsonArray("Ingress", "Egress"), ["ingress"] = ingress, ["egress"] = egress },
    };

    private static JsonObject Pods(string name, string? tier) => new() { ["matchLabels"] = tier is null ? ChildMeta.ShopSelector(name) : ChildMeta.Selector(name, tier) };

    private static JsonObject Port(int port, string protocol = "TCP") => new() { ["protocol"] = protocol, ["port"] = port };

    private static JsonObject Dns() => new()
    {
        ["to"] = new JsonArray(new JsonObject { ["namespaceSelector"] = new JsonObject(), ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["k8s-app"] = "kube-dns" } } }),
        ["ports"] = new JsonArray(Port(53, "UDP"), Port(53)),
    };

    private static JsonObject FromIngressController() => new()
    {
        ["namespaceSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["kubernetes.io/metadata.name"] = "ingress-nginx" } },
    };

    private static JsonObject Metrics() => new()
    {
        ["from"] = new JsonArray(new JsonObject { ["namespaceSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["kubernetes.io/metadata.name"] = "monitoring" } } }),
        ["ports"] = new JsonArray(Port(DesiredState.MetricsPort)),
    };

    private static JsonObject Database(EgressSpec? egress)
    {
        var rule = new JsonObject { ["ports"] = new JsonArray(Port(PostgresPort)) };
        if (egress?.Cidr is { } cidr)
        {
            rule["to"] = new JsonArray(new JsonObject { ["ipBlock"] = new JsonObject { ["cidr"] = cidr } });
        }
        else if (egress is { PodSelector: not null } or { NamespaceSelector: not null })
        {
            var peer = new JsonObject();
            if (egress.PodSelector is { } pods)
            {
                peer["podSelector"] = pods.DeepClone();
            }

            if (egress.NamespaceSelector is { } namespaces)
            {
                peer["namespaceSelector"] = namespaces.DeepClone();
            }

            rule["to"] = new JsonArray(peer);
        }

        return rule;
    }
}
