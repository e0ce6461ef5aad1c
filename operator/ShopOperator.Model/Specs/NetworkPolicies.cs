using System.Globalization;
using System.Text.Json.Nodes;

namespace ShopOperator.Model.Specs;

/// <summary>
/// Default deny for the shop's pods, then what each tier needs: http from the ingress peers (api also from web),
/// metrics from the monitoring peers; egress to the api (web), to the database (api), to DNS, and with
/// spec.egress.proxy to the forward proxy's port (both tiers). Peers and ports
/// come from spec.network and spec.database.egress, with defaults that fit a cluster with ingress-nginx, kube-dns
/// and a namespace named monitoring. An empty peer list allows nobody: its rule is left out (a rule without
/// peers would allow everyone).
/// </summary>
public static class NetworkPolicies
{
    public const int PostgresPort = 5432;
    public const int DnsPort = 53;
    public const string DefaultIngressNamespace = "ingress-nginx";
    public const string DefaultMonitoringNamespace = "monitoring";

    /// <param name="shop">The shop.</param>
    /// <param name="connectionPorts">The database ports read from the connection (connection string or admin Secret); used when spec.database.egress.ports is not set.</param>
    public static IReadOnlyList<JsonObject> Build(ShopInstance shop, IReadOnlyList<int>? connectionPorts = null)
    {
        ArgumentNullException.ThrowIfNull(shop);
        var name = shop.Name;
        var spec = shop.Spec;
        var network = spec.Network;
        var ingressPeers = network?.IngressFrom is { } from ? from.Select(Peer).ToList() : DefaultIngressPeers(shop);
        var monitoringPeers = network?.MonitoringFrom is { } scrapers ? scrapers.Select(Peer).ToList() : [NamespacePeer(DefaultMonitoringNamespace)];
        var dnsPeers = network?.Dns?.To is { } servers ? servers.Select(Peer).ToList() : [KubeDns()];
        var dnsPorts = network?.Dns?.Ports is { Count: > 0 } p ? p.Select(x => x.Value).ToList() : [DnsPort];

        JsonArray Rules(params JsonObject?[] rules) => new([.. rules.OfType<JsonObject>()]);
        var http = new JsonArray(Port(DesiredState.HttpPort));
        var metrics = Rule("from", monitoringPeers, new JsonArray(Port(DesiredState.MetricsPort)));
        var dns = Rule("to", dnsPeers, new JsonArray([.. dnsPorts.SelectMany(port => new[] { Port(port, "UDP"), Port(port) })]));
        return
        [
            Policy(shop, name + "-default-deny", null, [], []),
            Policy(
                shop,
                name + "-web",
                Tiers.Web,
                Rules(Rule("from", ingressPeers, http), metrics),
                Rules(new JsonObject { ["to"] = new JsonArray(new JsonObject { ["podSelector"] = Pods(name, Tiers.Api) }), ["ports"] = http.DeepClone() }, dns, Proxy(spec))),
            Policy(
                shop,
                name + "-api",
                Tiers.Api,
                Rules(Rule("from", [.. ingressPeers.Select(x => x.DeepClone().AsObject()), new JsonObject { ["podSelector"] = Pods(name, Tiers.Web) }], http.DeepClone().AsArray()), metrics?.DeepClone().AsObject()),
                Rules(Database(spec.Database.Egress, DatabasePorts(spec, connectionPorts)), dns?.DeepClone().AsObject(), Proxy(spec))),
        ];
    }

    /// <summary>The database ports the api tier may reach: spec.database.egress.ports, else the connection's, else 5432.</summary>
    public static IReadOnlyList<int> DatabasePorts(ShopInstanceSpec spec, IReadOnlyList<int>? connectionPorts)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Database.Egress?.Ports is { Count: > 0 } explicitPorts ? [.. explicitPorts.Select(x => x.Value).Distinct()]
            : connectionPorts is { Count: > 0 } ? [.. connectionPorts.Distinct()]
            : [PostgresPort];
    }

    /// <summary>
    /// The port of a PostgreSQL connection string, keyword form (Npgsql: Port=5433; or Host=db:5433) or URI form
    /// (postgresql://user@db:5433/shop); null when it names none (then the server's default, 5432, applies).
    /// </summary>
    public static int? PortOf(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var text = connectionString.Trim();
        if (text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return Uri.TryCreate(text, UriKind.Absolute, out var uri) && !uri.IsDefaultPort && uri.Port is > 0 and <= 65535 ? uri.Port : null;
        }

        int? port = null;
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var key = part[..equals].Trim();
            var value = part[(equals + 1)..].Trim();
            if (key.Equals("port", StringComparison.OrdinalIgnoreCase) && ParsePort(value) is { } p)
            {
                port = p;
            }
            else if ((key.Equals("host", StringComparison.OrdinalIgnoreCase) || key.Equals("server", StringComparison.OrdinalIgnoreCase))
                && value.LastIndexOf(':') is var colon and > 0 && !value.Contains(',', StringComparison.Ordinal) && ParsePort(value[(colon + 1)..]) is { } hostPort)
            {
                port ??= hostPort;
            }
        }

        return port;
    }

    private static int? ParsePort(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535 ? port : null;

    private static JsonObject Policy(ShopInstance shop, string policyName, string? tier, JsonArray ingress, JsonArray egress) => new()
    {
        ["apiVersion"] = "networking.k8s.io/v1",
        ["kind"] = "NetworkPolicy",
        ["metadata"] = ChildMeta.For(shop, policyName, tier),
        ["spec"] = new JsonObject { ["podSelector"] = Pods(shop.Name, tier), ["policyTypes"] = new JsonArray("Ingress", "Egress"), ["ingress"] = ingress, ["egress"] = egress },
    };

    /// <summary>A rule from (or to) the peers on the ports; null when there are no peers (an empty from/to would allow everyone).</summary>
    private static JsonObject? Rule(string direction, IReadOnlyList<JsonObject> peers, JsonArray ports) =>
        peers.Count == 0 ? null : new JsonObject { [direction] = new JsonArray([.. peers]), ["ports"] = ports };

    private static JsonObject Pods(string name, string? tier) => new() { ["matchLabels"] = tier is null ? ChildMeta.ShopSelector(name) : ChildMeta.Selector(name, tier) };

    private static JsonObject Port(int port, string protocol = "TCP") => new() { ["protocol"] = protocol, ["port"] = port };

    /// <summary>
    /// Without spec.network.ingressFrom: the ingress-nginx namespace, or with spec.gateway the namespaces of its
    /// Gateways (narrowed to spec.gateway.podSelector when given). An implementation whose proxies run elsewhere
    /// (Envoy Gateway's default: envoy-gateway-system) needs spec.network.ingressFrom.
    /// </summary>
    private static List<JsonObject> DefaultIngressPeers(ShopInstance shop)
    {
        if (shop.Spec.Gateway is not { } gateway)
        {
            return [NamespacePeer(DefaultIngressNamespace)];
        }

        return [.. HttpRoutes.GatewayNamespaces(shop).Select(ns =>
        {
            var peer = NamespacePeer(ns);
            if (gateway.PodSelector is { } pods)
            {
                peer["podSelector"] = pods.DeepClone();
            }

            return peer;
        })];
    }

    private static JsonObject KubeDns() => new()
    {
        ["namespaceSelector"] = new JsonObject(),
        ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["k8s-app"] = "kube-dns" } },
    };

    private static JsonObject NamespacePeer(string ns) => new()
    {
        ["namespaceSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["kubernetes.io/metadata.name"] = ns } },
    };

    private static JsonObject Peer(NetworkPeer peer)
    {
        if (peer.Cidr is { } cidr)
        {
            return new JsonObject { ["ipBlock"] = new JsonObject { ["cidr"] = cidr } };
        }

        var result = new JsonObject();
        if (peer.NamespaceSelector is { } namespaces)
        {
            result["namespaceSelector"] = namespaces.DeepClone();
        }

        if (peer.PodSelector is { } pods)
        {
            result["podSelector"] = pods.DeepClone();
        }

        return result;
    }

    private static JsonObject Database(EgressSpec? egress, IReadOnlyList<int> ports) =>
        ToPeer(egress?.Cidr, egress?.PodSelector, egress?.NamespaceSelector, ports);

    /// <summary>Both tiers to the forward proxy's port only (spec.egress.proxy), at its peers when given; null without a proxy.</summary>
    private static JsonObject? Proxy(ShopInstanceSpec spec) =>
        spec.Egress?.Proxy is { } proxy && ProxySpec.PortOf(proxy.Url) is { } port
            ? ToPeer(proxy.Cidr, proxy.PodSelector, proxy.NamespaceSelector, [port])
            : null;

    /// <summary>A rule to a cidr, or to pod/namespace selectors, on the TCP ports; neither: any destination on those ports.</summary>
    private static JsonObject ToPeer(string? cidr, JsonObject? podSelector, JsonObject? namespaceSelector, IReadOnlyList<int> ports)
    {
        var rule = new JsonObject { ["ports"] = new JsonArray([.. ports.Select(p => Port(p))]) };
        if (cidr is not null)
        {
            rule["to"] = new JsonArray(new JsonObject { ["ipBlock"] = new JsonObject { ["cidr"] = cidr } });
        }
        else if (podSelector is not null || namespaceSelector is not null)
        {
            var peer = new JsonObject();
            if (podSelector is not null)
            {
                peer["podSelector"] = podSelector.DeepClone();
            }

            if (namespaceSelector is not null)
            {
                peer["namespaceSelector"] = namespaceSelector.DeepClone();
            }

            rule["to"] = new JsonArray(peer);
        }

        return rule;
    }
}
