using System.Text.Json.Nodes;
using ShopOperator.Kube;
using ShopOperator.Model;
using ShopOperator.Model.Specs;
using Xunit;

namespace OperatorModel.Tests;

/// <summary>
/// Each child builder of ShopOperator.Model.Specs on its own, for every sample (and the variants that reach its
/// other branches), compared with golden/specs/&lt;kind&gt;.yaml. Refresh with
/// <c>UPDATE_GOLDEN=1 dotnet test tests/OperatorModel.Tests --filter GoldenTests</c> and review the diff.
/// </summary>
public sealed class SpecGoldenTests
{
    private const string Image = "ghcr.io/example/shop@sha256:4f5e0d7c1b2a39486f7e8d9c0b1a2f3e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a";

    public static TheoryData<string> Kinds => new(Builders.Keys);

    private static readonly Dictionary<string, Func<ShopInstance, IEnumerable<JsonObject?>>> Builders = new(StringComparer.Ordinal)
    {
        ["secrets"] = shop => Secrets.Build(shop),
        ["serviceaccounts"] = shop => Tiers.All.Select(t => ServiceAccounts.Build(shop, t)),
        ["services"] = shop => Tiers.All.Select(t => Services.Build(shop, t)),
        ["deployments"] = shop => Tiers.All.Select(t => Deployments.Build(shop, t, Image)),
        ["poddisruptionbudgets"] = shop => Tiers.All.Select(t => PodDisruptionBudgets.Build(shop, t)),
        ["networkpolicies"] = shop => NetworkPolicies.Build(shop),
        ["ingresses"] = shop => [Ingresses.Build(shop)],
        ["httproutes"] = shop => [HttpRoutes.Build(shop)],
    };

    /// <summary>The samples, then the variants no sample shows.</summary>
    public static IReadOnlyList<ShopInstance> Shops()
    {
        var samples = new[] { "shopinstance-minimal.yaml", "shopinstance-full.yaml", "provision/shopinstance-provisioned.yaml", "shopinstance-gateway.yaml" }
            .Select(f => (JsonObject)JsonYaml.FromYaml(File.ReadAllText(Repo.Path("config/samples/" + f))).Single())
            .ToList();
        var selectorEgress = Specs.Valid("demo-selectors");
        selectorEgress["spec"]!["database"]!["egress"] = new JsonObject
        {
            ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "postgres" } },
            ["namespaceSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["kubernetes.io/metadata.name"] = "db" } },
        };
        var issuerOnly = Specs.Valid("demo-issuer");
        issuerOnly["spec"]!["tls"] = new JsonObject { ["clusterIssuer"] = "letsencrypt-prod" };
        var network = Specs.Valid("demo-network");
        network["spec"]!["network"] = new JsonObject
        {
            ["ingressFrom"] = new JsonArray(
                new JsonObject { ["cidr"] = "10.0.0.0/16" },
                new JsonObject
                {
                    ["namespaceSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["kubernetes.io/metadata.name"] = "kube-system" } },
                    ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app.kubernetes.io/name"] = "traefik" } },
                }),
            ["dns"] = new JsonObject
            {
                ["to"] = new JsonArray(new JsonObject { ["cidr"] = "169.254.20.10/32" }),
                ["ports"] = new JsonArray(53, 5353),
            },
            ["monitoringFrom"] = new JsonArray(),
        };
        network["spec"]!["database"]!["egress"] = new JsonObject { ["ports"] = new JsonArray(25060) };
        var proxy = Specs.Valid("demo-proxy");
        proxy["spec"]!["egress"] = new JsonObject
        {
            ["proxy"] = new JsonObject
            {
                ["url"] = "http://egress-proxy.proxy.svc.cluster.local:3128",
                ["noProxy"] = new JsonArray("internal.example.com", ".corp.example.com"),
                ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "egress-proxy" } },
                ["namespaceSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["kubernetes.io/metadata.name"] = "proxy" } },
            },
        };
        var proxyCidr = Specs.Valid("demo-proxy-cidr");
        proxyCidr["spec"]!["egress"] = new JsonObject { ["proxy"] = new JsonObject { ["url"] = "https://10.8.0.5:8443", ["cidr"] = "10.8.0.5/32" } };
        // A CloudNativePG <cluster>-app Secret, key per field, behind the proxy: NO_PROXY ends with $(SHOP_DB_HOST) on the api tier.
        var fields = Specs.Valid("demo-cnpg");
        fields["spec"]!["database"] = new JsonObject { ["connectionSecretRef"] = new JsonObject { ["name"] = "shop-pg-app", ["format"] = "Fields" } };
        fields["spec"]!["egress"] = new JsonObject { ["proxy"] = new JsonObject { ["url"] = "http://egress-proxy.proxy.svc.cluster.local:3128", ["cidr"] = "10.8.0.0/24" } };
        fields["spec"]!["network"] = new JsonObject { ["trustedProxyCIDRs"] = new JsonArray("10.244.0.0/16", "fd00:10:244::/56") };
        // The uri key of the same Secret: format ConnectionString, another key.
        var uri = Specs.Valid("demo-cnpg-uri");
        uri["spec"]!["database"] = new JsonObject { ["connectionSecretRef"] = new JsonObject { ["name"] = "shop-pg-app", ["key"] = "uri" } };
        uri["spec"]!["network"] = new JsonObject { ["trustedProxyCIDRs"] = new JsonArray() };
        // A provisioned database behind the proxy: the host from the Secret the operator writes, named in NO_PROXY.
        var provisioned = Specs.Valid("demo-provisioned-proxy");
        provisioned["spec"]!["database"] = new JsonObject
        {
            ["provision"] = new JsonObject { ["adminSecretRef"] = new JsonObject { ["name"] = "pg-admin" } },
            ["egress"] = new JsonObject { ["cidr"] = "10.20.0.0/16" },
        };
        provisioned["spec"]!["egress"] = new JsonObject { ["proxy"] = new JsonObject { ["url"] = "http://egress-proxy.proxy.svc.cluster.local:3128", ["cidr"] = "10.8.0.0/24" } };
        return [.. samples.Append(selectorEgress).Append(issuerOnly).Append(network).Append(proxy).Append(proxyCidr).Append(fields).Append(uri).Append(provisioned).Select(ShopInstance.FromJson)];
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_builder_renders_its_golden_file(string kind)
    {
        var objects = Shops().SelectMany(shop => Builders[kind](shop)).OfType<JsonObject>().ToList();
        Golden.Check($"specs/{kind}.yaml", JsonYaml.ToYaml(objects), $"the {kind} built for the samples");
    }

    [Fact]
    public void DesiredState_is_exactly_the_builders_output()
    {
        foreach (var shop in Shops())
        {
            var composed = DesiredState.Build(shop, Image, Image);
            var fromBuilders = Builders.Values.SelectMany(b => b(shop)).OfType<JsonObject>().ToList();
            Assert.Equal(fromBuilders.Count, composed.Count);
            Assert.All(composed, child => Assert.Contains(fromBuilders, b => JsonNode.DeepEquals(b, child)));
        }
    }

    [Fact]
    public void Database_ports_come_from_the_spec_else_the_connection_else_5432()
    {
        var shop = ShopInstance.FromJson(Specs.Valid());
        var explicitPorts = ShopInstance.FromJson(Specs.Valid().With("spec.database.egress.ports", new JsonArray(6432)));

        Assert.Equal([5432], NetworkPolicies.DatabasePorts(shop.Spec, null));
        Assert.Equal([25060], NetworkPolicies.DatabasePorts(shop.Spec, [25060]));
        Assert.Equal([6432], NetworkPolicies.DatabasePorts(explicitPorts.Spec, [25060]));
        var api = DesiredState.Build(shop, Image, Image, [25060]).Single(c => c["kind"]!.GetValue<string>() == "NetworkPolicy" && c["metadata"]!["name"]!.GetValue<string>() == "demo-api");
        Assert.Equal(25060, api["spec"]!["egress"]![0]!["ports"]![0]!["port"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("Host=db;Port=6432;Database=shop;Username=shop", 6432)]
    [InlineData("host=db; port = 5433 ;database=shop", 5433)]
    [InlineData("Host=db.example.com:25060;Database=shop", 25060)]
    [InlineData("Host=db;Database=shop", null)]
    [InlineData("Host=a:5433,b:5434;Database=shop", null)]
    [InlineData("postgresql://shop@db.example.com:6543/shop?sslmode=require", 6543)]
    [InlineData("postgres://shop@db/shop", null)]
    [InlineData("Port=notanumber", null)]
    public void The_port_of_a_connection_string(string connectionString, int? port) =>
        Assert.Equal(port, NetworkPolicies.PortOf(connectionString));

    [Fact]
    public void With_gateway_the_ingress_peer_is_the_Gateways_namespace_and_pods_unless_ingressFrom_is_set()
    {
        var gateway = new JsonObject
        {
            ["parentRefs"] = new JsonArray(new JsonObject { ["name"] = "gw", ["namespace"] = "gateway-system" }, new JsonObject { ["name"] = "local" }),
            ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "proxy" } },
        };
        var shopJson = Specs.Valid().With("spec.gateway", gateway);
        shopJson["spec"]!.AsObject().Remove("ingress");
        shopJson["spec"]!.AsObject().Remove("tls");
        var shop = ShopInstance.FromJson(shopJson);

        var web = NetworkPolicies.Build(shop).Single(p => p["metadata"]!["name"]!.GetValue<string>() == "demo-web");

        var from = web["spec"]!["ingress"]![0]!["from"]!.AsArray();
        Assert.Equal(["gateway-system", shop.Namespace], from.Select(p => p!["namespaceSelector"]!["matchLabels"]!["kubernetes.io/metadata.name"]!.GetValue<string>()));
        Assert.All(from, p => Assert.Equal("proxy", p!["podSelector"]!["matchLabels"]!["app"]!.GetValue<string>()));
        Assert.DoesNotContain(DesiredState.Build(shop, "a", "b"), c => c["kind"]!.GetValue<string>() == "Ingress");
        Assert.Single(DesiredState.Build(shop, "a", "b"), c => c["kind"]!.GetValue<string>() == "HTTPRoute");

        // spec.network.ingressFrom, when set, is the peer list whatever exposes the shop.
        var explicitPeers = ShopInstance.FromJson(shopJson.With("spec.network.ingressFrom", new JsonArray(new JsonObject { ["cidr"] = "10.0.0.0/8" })));
        var explicitWeb = NetworkPolicies.Build(explicitPeers).Single(p => p["metadata"]!["name"]!.GetValue<string>() == "demo-web");
        Assert.Equal("10.0.0.0/8", explicitWeb["spec"]!["ingress"]![0]!["from"]![0]!["ipBlock"]!["cidr"]!.GetValue<string>());
    }

    [Fact]
    public void An_empty_peer_list_allows_nobody_instead_of_everybody()
    {
        var shop = ShopInstance.FromJson(Specs.Valid().With("spec.network.ingressFrom", new JsonArray()).With("spec.network.monitoringFrom", new JsonArray()));

        var policies = NetworkPolicies.Build(shop).ToDictionary(p => p["metadata"]!["name"]!.GetValue<string>());

        // A NetworkPolicy rule without from would admit every source.
        Assert.Empty(policies["demo-web"]["spec"]!["ingress"]!.AsArray());
        var apiIngress = Assert.Single(policies["demo-api"]["spec"]!["ingress"]!.AsArray())!;
        Assert.Equal("web", apiIngress["from"]![0]!["podSelector"]!["matchLabels"]!["app.kubernetes.io/component"]!.GetValue<string>());
        Assert.All(policies.Values.SelectMany(p => p["spec"]!["ingress"]!.AsArray().Concat(p["spec"]!["egress"]!.AsArray())), rule =>
            Assert.True(rule!["from"] is JsonArray { Count: > 0 } || rule["to"] is JsonArray { Count: > 0 } || (rule["from"] is null && rule["to"] is null && p(rule))));

        static bool p(JsonNode rule) => rule["ports"] is JsonArray; // the database rule without egress.cidr/selectors: any destination on its ports
    }
}
