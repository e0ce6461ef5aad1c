using System.Text.Json.Nodes;
using ShopOperator.Kube;
using Xunit.Abstractions;

namespace Operator.Tests;

/// <summary>
/// Issue 17: a shop exposed through the Gateway API. Each test has its own emulator, with or without the upstream
/// HTTPRoute CRD (tests/testdata/gateway-api, standard channel v1.6.1), so the operator's start-up discovery sees
/// exactly that cluster. With the CRD installed the emulator checks every HTTPRoute against the upstream OpenAPI
/// schema and its x-kubernetes-validations (CEL), as an API server does.
/// </summary>
public sealed class GatewayApiTests(ITestOutputHelper output)
{
    private static readonly ResourceKind Crd = new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition");

    public static string HttpRouteCrdPath { get; } = Path.Combine(AppContext.BaseDirectory, "testdata", "gateway-api", "gateway.networking.k8s.io_httproutes.yaml");

    private static JsonObject Gateway() => new()
    {
        ["parentRefs"] = new JsonArray(new JsonObject { ["name"] = "shared-gateway", ["namespace"] = "gateway-system", ["sectionName"] = "https" }),
    };

    private async Task<(IClusterHarness Cluster, TestKube Kube, OperatorInstance Operator, string Ns)> StartAsync(bool installGatewayApi)
    {
        var cluster = await EmulatorHarness.StartAsync();
        var kube = new TestKube(new k8s.Kubernetes(cluster.Config));
        if (installGatewayApi)
        {
            var crd = (JsonObject)JsonYaml.FromYaml(await File.ReadAllTextAsync(HttpRouteCrdPath)).Single();
            await kube.Api.CreateAsync(Crd, null, crd, CancellationToken.None);
        }

        var ns = "gw-" + Guid.NewGuid().ToString("N")[..6];
        await kube.CreateShopNamespaceAsync(ns);
        var op = await OperatorInstance.StartAsync(cluster.Config, OperatorInstance.TestOptions() with { WatchNamespaces = [ns] }, new XunitOutput(output));
        return (cluster, kube, op, ns);
    }

    [Fact]
    public async Task The_rendered_HTTPRoute_is_accepted_by_the_upstream_CRD_schema_and_switching_Ingress_Gateway_Ingress_removes_the_old_object()
    {
        var (cluster, kube, op, ns) = await StartAsync(installGatewayApi: true);
        await using var _ = cluster;
        await using var __ = op;
        await kube.CreateAsync(TestKube.Shop(ns, "demo"));
        await kube.WaitForConditionAsync(ns, "demo", "Ready", "True");
        Assert.NotNull(await kube.TryGetAsync(ResourceKind.Ingress, ns, "demo"));

        // Ingress -> Gateway: the route is created (the emulator validated it against the upstream schema and CEL), the Ingress goes.
        await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "demo", s => s["spec"]!["gateway"] = Gateway());
        var route = await Poll.UntilAsync(() => kube.TryGetAsync(ResourceKind.HttpRoute, ns, "demo"), what: "the HTTPRoute");
        await Poll.UntilAsync(async () => await kube.TryGetAsync(ResourceKind.Ingress, ns, "demo") is null ? "gone" : null, what: "the Ingress removed");
        Assert.Equal("demo.example.com", route["spec"]!["hostnames"]![0]!.GetValue<string>());
        var rules = route["spec"]!["rules"]!.AsArray();
        Assert.Equal(["/api", "/"], rules.Select(r => r!["matches"]![0]!["path"]!["value"]!.GetValue<string>()));
        Assert.Equal(["demo-api", "demo-web"], rules.Select(r => r!["backendRefs"]![0]!["name"]!.GetValue<string>()));
        Assert.All(rules, r => Assert.Equal(80, r!["backendRefs"]![0]!["port"]!.GetValue<int>()));
        Assert.Equal("gateway-system", route["spec"]!["parentRefs"]![0]!["namespace"]!.GetValue<string>());

        // Gateway -> Ingress: the Ingress is back and the route goes.
        await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "demo", s => s["spec"]!.AsObject().Remove("gateway"));
        await Poll.UntilAsync(() => kube.TryGetAsync(ResourceKind.Ingress, ns, "demo"), what: "the Ingress again");
        await Poll.UntilAsync(async () => await kube.TryGetAsync(ResourceKind.HttpRoute, ns, "demo") is null ? "gone" : null, what: "the HTTPRoute removed");
        await kube.WaitForConditionAsync(ns, "demo", "Ready", "True");
    }

    [Fact]
    public async Task The_emulator_applies_the_upstream_CEL_rules_so_a_route_breaking_one_is_refused()
    {
        var (cluster, kube, op, ns) = await StartAsync(installGatewayApi: true);
        await using var _ = cluster;
        await using var __ = op;
        var shopJson = TestKube.Shop(ns, "direct");
        shopJson["spec"]!["gateway"] = Gateway();
        var route = ShopOperator.Model.Specs.HttpRoutes.Build(ShopOperator.Model.ShopInstance.FromJson(shopJson))!;
        route["metadata"]!.AsObject().Remove("ownerReferences");

        // HTTPPathMatch's rule (gateway-api v1.6.1 standard CRD): a PathPrefix value must be an absolute path.
        var broken = (System.Text.Json.Nodes.JsonObject)route.DeepClone();
        broken["spec"]!["rules"]![0]!["matches"]![0]!["path"]!["value"] = "api";
        var refused = await Assert.ThrowsAsync<KubeApiException>(() => kube.Api.CreateAsync(ResourceKind.HttpRoute, ns, broken, CancellationToken.None));
        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("must be an absolute path", refused.Message);

        // The route as the operator renders it passes the same schema and rules.
        await kube.Api.CreateAsync(ResourceKind.HttpRoute, ns, route, CancellationToken.None);
    }

    [Fact]
    public async Task A_route_its_Gateway_did_not_accept_is_named_in_Ready()
    {
        var (cluster, kube, op, ns) = await StartAsync(installGatewayApi: true);
        await using var _ = cluster;
        await using var __ = op;
        var shop = TestKube.Shop(ns, "demo");
        shop["spec"]!["gateway"] = Gateway();
        await kube.CreateAsync(shop);
        await kube.WaitForConditionAsync(ns, "demo", "Ready", "True");

        // What a Gateway controller writes when the listener does not allow routes from this namespace.
        var route = (await kube.GetAsync(ResourceKind.HttpRoute, ns, "demo"))!;
        route["status"] = new JsonObject
        {
            ["parents"] = new JsonArray(new JsonObject
            {
                ["parentRef"] = new JsonObject { ["group"] = "gateway.networking.k8s.io", ["kind"] = "Gateway", ["name"] = "shared-gateway", ["namespace"] = "gateway-system", ["sectionName"] = "https" },
                ["controllerName"] = "gateway.envoyproxy.io/gatewayclass-controller",
                ["conditions"] = new JsonArray(
                    new JsonObject { ["type"] = "Accepted", ["status"] = "False", ["reason"] = "NotAllowedByListeners", ["message"] = "no listener allows routes from this namespace", ["lastTransitionTime"] = "2026-01-01T00:00:00Z", ["observedGeneration"] = 1 },
                    new JsonObject { ["type"] = "ResolvedRefs", ["status"] = "True", ["reason"] = "ResolvedRefs", ["message"] = "", ["lastTransitionTime"] = "2026-01-01T00:00:00Z", ["observedGeneration"] = 1 }),
            }),
        };
        await kube.Api.ReplaceStatusAsync(ResourceKind.HttpRoute, ns, "demo", route, CancellationToken.None);

        var notReady = await kube.WaitForConditionAsync(ns, "demo", "Ready", "False", reason: "RouteNotAccepted");
        var message = TestKube.Condition(notReady, "Ready")!["message"]!.GetValue<string>();
        Assert.Contains("HTTPRoute demo", message);
        Assert.Contains("parent gateway-system/shared-gateway (section https): Accepted=False (NotAllowedByListeners): no listener allows routes from this namespace", message);
    }

    [Fact]
    public async Task Without_the_Gateway_API_CRDs_the_operator_starts_and_a_gateway_shop_says_it_cannot_be_served()
    {
        var (cluster, kube, op, ns) = await StartAsync(installGatewayApi: false);
        await using var _ = cluster;
        await using var __ = op;
        var shop = TestKube.Shop(ns, "demo");
        shop["spec"]!["gateway"] = Gateway();
        await kube.CreateAsync(shop);

        var stalled = await kube.WaitForConditionAsync(ns, "demo", "Ready", "False", reason: "ChildRejected");
        Assert.Contains("HTTPRoute demo: the cluster does not serve the Gateway API", TestKube.Condition(stalled, "Ready")!["message"]!.GetValue<string>());

        // The rest of the shop is still reconciled.
        Assert.NotNull(await kube.TryGetAsync(ResourceKind.Deployment, ns, "demo-api"));
        Assert.NotNull(await kube.TryGetAsync(ResourceKind.Service, ns, "demo-web"));
    }
}
