using System.Text;
using k8s;
using ShopOperator.Kube;
using Testcontainers.K3s;
using Testing.Postgres;
using Xunit.Abstractions;

namespace Operator.Tests.K3s;

/// <summary>
/// The core scenarios against a real API server (k3s in a container). Skipped, with the reason shown,
/// when no Docker engine answers, as on the development machines of this repository.
/// Real k3s pulls images, so Ready=True needs the shop image to exist in a registry k3s can reach;
/// without it these tests check what does not depend on pods running: children, drift repair, api-first rollout.
/// </summary>
public sealed class K3sEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private K3sContainer? _k3s;
    private KubernetesClientConfiguration? _config;

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        if (!await PostgresServer.DockerAnswersAsync(cts.Token))
        {
            return;
        }

        _k3s = new K3sBuilder("rancher/k3s:v1.31.4-k3s1").Build();
        await _k3s.StartAsync();
        var kubeconfig = await _k3s.GetKubeconfigAsync();
        _config = await KubernetesClientConfiguration.BuildConfigFromConfigFileAsync(new MemoryStream(Encoding.UTF8.GetBytes(kubeconfig)));
        await InstallCrdAsync(_config);
    }

    public async Task DisposeAsync()
    {
        if (_k3s is not null)
        {
            await _k3s.DisposeAsync();
        }
    }

    private KubernetesClientConfiguration RequireCluster()
    {
        Skip.If(_config is null, "no Docker engine answers (checked with PostgresServer.DockerAnswersAsync): K3s end-to-end tests need one");
        return _config!;
    }

    private static async Task InstallCrdAsync(KubernetesClientConfiguration config)
    {
        // The generated CRD, as `make crds` commits it: a real API server checks its structural schema here.
        var crd = ShopOperator.Model.CrdGenerator.Build();
        var api = new KubeApi(new Kubernetes(config));
        var crdKind = new ResourceKind("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition");
        await api.CreateAsync(crdKind, null, crd, CancellationToken.None);
        await Poll.UntilAsync(
            async () =>
            {
                var current = await api.GetAsync(crdKind, null!, "shopinstances.shop.example.com", CancellationToken.None);
                return current?["status"]?["acceptedNames"]?["kind"] is not null ? current : null;
            },
            TimeSpan.FromSeconds(30),
            "CRD established");

        // The upstream HTTPRoute CRD from test data (standard channel, tests/testdata/gateway-api): installed before
        // any operator starts, so its discovery at start finds the Gateway API.
        var httpRoutes = (System.Text.Json.Nodes.JsonObject)JsonYaml.FromYaml(await File.ReadAllTextAsync(GatewayApiTests.HttpRouteCrdPath)).Single();
        await api.CreateAsync(crdKind, null, httpRoutes, CancellationToken.None);
        await Poll.UntilAsync(
            async () =>
            {
                var current = await api.GetAsync(crdKind, null!, "httproutes.gateway.networking.k8s.io", CancellationToken.None);
                return current?["status"]?["acceptedNames"]?["kind"] is not null ? current : null;
            },
            TimeSpan.FromSeconds(30),
            "HTTPRoute CRD established");
    }

    [SkippableFact]
    public async Task A_gateway_shop_gets_an_HTTPRoute_the_API_server_accepts_instead_of_an_Ingress()
    {
        var config = RequireCluster();
        var kube = new TestKube(new Kubernetes(config));
        await kube.CreateShopNamespaceAsync("e2e-gateway");
        await using var op = await OperatorInstance.StartAsync(config, OperatorInstance.TestOptions() with { WatchNamespaces = ["e2e-gateway"] }, new XunitOutput(output));
        var shop = TestKube.Shop("e2e-gateway", "demo");
        shop["spec"]!["gateway"] = new System.Text.Json.Nodes.JsonObject { ["parentRefs"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["name"] = "shared-gateway" }) };
        await kube.CreateAsync(shop);

        var route = await Poll.UntilAsync(() => kube.TryGetAsync(ResourceKind.HttpRoute, "e2e-gateway", "demo"), TimeSpan.FromSeconds(60), "HTTPRoute demo");
        Assert.Equal("ShopInstance", route["metadata"]!["ownerReferences"]![0]!["kind"]!.GetValue<string>());
        Assert.Null(await kube.TryGetAsync(ResourceKind.Ingress, "e2e-gateway", "demo"));
    }

    [SkippableFact]
    public async Task Apply_creates_the_children_with_owner_references()
    {
        var config = RequireCluster();
        var kube = new TestKube(new Kubernetes(config));
        await kube.CreateShopNamespaceAsync("e2e-apply");
        await using var op = await OperatorInstance.StartAsync(config, OperatorInstance.TestOptions() with { WatchNamespaces = ["e2e-apply"] }, new XunitOutput(output));
        await kube.CreateAsync(TestKube.Shop("e2e-apply", "demo"));

        foreach (var (kind, suffix) in TestKube.Children)
        {
            var child = await Poll.UntilAsync(() => kube.TryGetAsync(kind, "e2e-apply", "demo" + suffix), TimeSpan.FromSeconds(60), $"{kind.Kind} demo{suffix}");
            Assert.Equal("ShopInstance", child["metadata"]!["ownerReferences"]![0]!["kind"]!.GetValue<string>());
        }

        var shop = await Poll.UntilAsync(() => kube.TryGetAsync(ResourceKind.ShopInstance, "e2e-apply", "demo"), TimeSpan.FromSeconds(30));
        Assert.NotNull(TestKube.Condition(shop, "Ready"));
    }

    [SkippableFact]
    public async Task A_deleted_and_an_edited_child_are_restored()
    {
        var config = RequireCluster();
        var kube = new TestKube(new Kubernetes(config));
        await kube.CreateShopNamespaceAsync("e2e-drift");
        await using var op = await OperatorInstance.StartAsync(config, OperatorInstance.TestOptions() with { WatchNamespaces = ["e2e-drift"] }, new XunitOutput(output));
        await kube.CreateAsync(TestKube.Shop("e2e-drift", "demo"));
        await Poll.UntilAsync(() => kube.TryGetAsync(ResourceKind.Service, "e2e-drift", "demo-api"), TimeSpan.FromSeconds(60));

        await kube.DeleteAsync(ResourceKind.Service, "e2e-drift", "demo-api");
        await kube.UpdateAsync(ResourceKind.Deployment, "e2e-drift", "demo-web", d => d["spec"]!["replicas"] = 5);

        await Poll.UntilAsync(() => kube.TryGetAsync(ResourceKind.Service, "e2e-drift", "demo-api"), TimeSpan.FromSeconds(30), "service restored");
        await Poll.UntilAsync(
            async () => (await kube.GetAsync(ResourceKind.Deployment, "e2e-drift", "demo-web"))!["spec"]!["replicas"]!.GetValue<int>() == 2 ? new object() : null,
            TimeSpan.FromSeconds(30),
            "replicas restored");
    }

    [SkippableFact]
    public async Task A_digest_that_never_becomes_available_is_reported_as_a_failed_rollout()
    {
        // The test digests exist in no registry, so on a real cluster the pods never pull and the real deployment
        // controller reports ProgressDeadlineExceeded: the operator must read it from the Deployment and say so.
        // (api-first ordering and rollback need a digest that serves; the emulator tests cover them.)
        var config = RequireCluster();
        var kube = new TestKube(new Kubernetes(config));
        await kube.CreateShopNamespaceAsync("e2e-rollout");
        await using var op = await OperatorInstance.StartAsync(config, OperatorInstance.TestOptions() with { WatchNamespaces = ["e2e-rollout"] }, new XunitOutput(output));
        await kube.CreateAsync(TestKube.Shop("e2e-rollout", "demo", replicas: 1, progressDeadlineSeconds: 10));

        var shop = await kube.WaitForConditionAsync("e2e-rollout", "demo", "Stalled", "True", TimeSpan.FromSeconds(120), reason: "RolloutFailed");

        Assert.Equal("False", TestKube.ConditionStatus(shop, "Ready"));
        Assert.Equal(TestKube.DigestA, shop["status"]!["failedImage"]!.GetValue<string>());
        var api = await kube.GetAsync(ResourceKind.Deployment, "e2e-rollout", "demo-api");
        Assert.Contains(
            api!["status"]!["conditions"]!.AsArray(),
            c => c!["type"]!.GetValue<string>() == "Progressing" && c["reason"]!.GetValue<string>() == "ProgressDeadlineExceeded");
    }

    [SkippableFact]
    public async Task A_failing_api_rollout_never_moves_web_and_rolls_back_to_the_serving_digest()
    {
        // Zero-replica tiers are available on a real cluster without any image; digest B never pulls.
        await ZeroReplicaScenarios.RunAsync(RequireCluster(), "e2e-rollback", ZeroReplicaScenarios.NewFailingDigest(), output, TimeSpan.FromSeconds(120));
    }

    [SkippableFact]
    public async Task A_digest_rolls_out_and_suspend_freezes_the_next_one()
    {
        await ZeroReplicaScenarios.RunSuccessThenSuspendAsync(RequireCluster(), "e2e-success", output, TimeSpan.FromSeconds(120));
    }

    [SkippableFact]
    public async Task A_foreign_object_in_a_childs_place_is_reported_by_name_and_never_adopted()
    {
        await ClusterAdminScenarios.ForeignChildIsReportedAndNotAdoptedAsync(RequireCluster(), "e2e-squat", output, TimeSpan.FromSeconds(120));
    }

    [SkippableFact]
    public async Task A_child_the_API_server_refuses_is_reported_in_status_with_its_message()
    {
        // The emulator has no ResourceQuota admission, so this refusal is real-server only; the emulator's own
        // refusals (422s) are covered by OperatorScenarioTests and ClusterAdminTests.
        var config = RequireCluster();
        var kube = new TestKube(new Kubernetes(config));
        await kube.CreateShopNamespaceAsync("e2e-refused");
        var quota = new ResourceKind("", "v1", "resourcequotas", "ResourceQuota");
        await kube.Api.CreateAsync(quota, "e2e-refused", new System.Text.Json.Nodes.JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ResourceQuota",
            ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "no-services", ["namespace"] = "e2e-refused" },
            ["spec"] = new System.Text.Json.Nodes.JsonObject { ["hard"] = new System.Text.Json.Nodes.JsonObject { ["services"] = "0" } },
        }, CancellationToken.None);
        await using var op = await OperatorInstance.StartAsync(config, OperatorInstance.TestOptions() with { WatchNamespaces = ["e2e-refused"] }, new XunitOutput(output));
        await kube.CreateAsync(TestKube.Shop("e2e-refused", "demo"));

        // The quota admission plugin answers 403 "exceeded quota": the shop says which child and why, with an Event.
        var shop = await kube.WaitForConditionAsync("e2e-refused", "demo", "Ready", "False", TimeSpan.FromSeconds(120), reason: "ChildRejected");
        Assert.Contains("exceeded quota", TestKube.Condition(shop, "Ready")!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var events = await kube.Api.ListAsync(ResourceKind.Event, "e2e-refused", null, CancellationToken.None);
        Assert.Contains(events.Items, e => (string?)e["reason"] == "ChildRejected" && (string?)e["type"] == "Warning");
    }

    [SkippableFact]
    public async Task Fields_the_operator_stops_applying_disappear()
    {
        await ClusterAdminScenarios.RemovedFieldsDisappearAsync(RequireCluster(), "e2e-removed", output, TimeSpan.FromSeconds(120));
    }

    [SkippableFact]
    public async Task An_HPAs_replicas_are_kept_while_spec_replicas_is_unset()
    {
        await ClusterAdminScenarios.UnsetReplicasAreLeftToAnotherManagerAsync(RequireCluster(), "e2e-hpa", output, TimeSpan.FromSeconds(120));
    }

    [SkippableFact]
    public async Task A_late_connection_Secret_heals_the_shop()
    {
        await ClusterAdminScenarios.LateSecretHealsTheShopAsync(RequireCluster(), "e2e-late", output, TimeSpan.FromSeconds(120));
    }

    [SkippableFact]
    public async Task Diagnose_names_a_connection_Secret_without_its_key()
    {
        // The healthy walk needs pods that run; the test digests exist in no registry, so only the broken case runs here.
        await DiagnoseScenarios.MissingSecretKeyIsNamedAsync(RequireCluster(), "e2e-diag-key", output, TimeSpan.FromSeconds(120));
    }
}
