using System.Net;
using System.Text.Json.Nodes;
using k8s;
using ShopOperator.Diagnose;
using ShopOperator.Kube;
using Xunit.Abstractions;

namespace Operator.Tests;

/// <summary>
/// <c>shop-operator diagnose</c> against a cluster the operator reconciled (issue 15): a healthy shop passes every step,
/// and a connection Secret without its key is named. One body each, run on the emulator and on k3s.
/// </summary>
public static class DiagnoseScenarios
{
    private const string LoadBalancerIp = "203.0.113.10";

    /// <summary>Resolves only the shop's host, to the load balancer the test gives the Ingress: no real DNS is asked.</summary>
    private static HostResolver Resolver(string host) => (name, _) =>
        name == host
            ? Task.FromResult<IPAddress[]>([IPAddress.Parse(LoadBalancerIp)])
            : Task.FromException<IPAddress[]>(new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound));

    private sealed record DiagnoseRun(int Exit, JsonObject Json, string Text);

    private static async Task<DiagnoseRun> DiagnoseAsync(KubernetesClientConfiguration config, string ns, string name)
    {
        using var client = new Kubernetes(config);
        var reader = new SnapshotReader(new KubeApi(client), Resolver(name + ".example.com"), TimeProvider.System);
        var json = new StringWriter();
        var exit = await DiagnoseCommand.RunAsync(reader, ns, new DiagnoseOptions(name, ns, true, TimeSpan.FromHours(1), false, null, null), json, new StringWriter(), CancellationToken.None);
        var text = new StringWriter();
        await DiagnoseCommand.RunAsync(reader, ns, new DiagnoseOptions(name, ns, false, TimeSpan.FromHours(1), false, null, null), text, new StringWriter(), CancellationToken.None);
        return new DiagnoseRun(exit, JsonNode.Parse(json.ToString())!.AsObject(), text.ToString());
    }

    /// <summary>What an ingress controller does once it admits the Ingress: an address in its status.</summary>
    private static async Task AdmitIngressAsync(TestKube kube, string ns, string name)
    {
        var ingress = await Poll.UntilAsync(() => kube.TryGetAsync(ResourceKind.Ingress, ns, name), TimeSpan.FromSeconds(20), "the Ingress");
        ingress["status"] = new JsonObject { ["loadBalancer"] = new JsonObject { ["ingress"] = new JsonArray(new JsonObject { ["ip"] = LoadBalancerIp }) } };
        await kube.Api.ReplaceStatusAsync(ResourceKind.Ingress, ns, name, ingress, CancellationToken.None);
    }

    public static async Task HealthyShopPassesEveryStepAsync(KubernetesClientConfiguration config, string ns, ITestOutputHelper output, TimeSpan timeout)
    {
        var kube = new TestKube(new Kubernetes(config));
        await kube.CreateShopNamespaceAsync(ns);
        await using var op = await OperatorInstance.StartAsync(config, OperatorInstance.TestOptions() with { WatchNamespaces = [ns] }, new XunitOutput(output));
        await kube.CreateAsync(TestKube.Shop(ns, "healthy", replicas: 1));
        await kube.WaitForConditionAsync(ns, "healthy", "Ready", "True", timeout);
        await AdmitIngressAsync(kube, ns, "healthy");

        // Endpoints follow ready pods a moment after the Deployment reports them available.
        var (exit, json, text) = await Poll.UntilAsync(
            async () => await DiagnoseAsync(config, ns, "healthy") is { Exit: 0 } result ? result : null,
            timeout,
            "diagnose to pass");
        output.WriteLine(text);
        Assert.Equal(0, exit);
        Assert.Null(json["failedStep"]);
        Assert.All(json["steps"]!.AsArray(), s => Assert.Contains((string?)s!["status"], new[] { "Pass", "Skip", "Warn" }));
        Assert.Equal("Pass", (string?)json["steps"]!.AsArray().Single(s => (string?)s!["name"] == "ServiceEndpoints")!["status"]);
        Assert.Contains("Verdict: ", text, StringComparison.Ordinal);
    }

    public static async Task MissingSecretKeyIsNamedAsync(KubernetesClientConfiguration config, string ns, ITestOutputHelper output, TimeSpan timeout)
    {
        var kube = new TestKube(new Kubernetes(config));
        await kube.CreateNamespaceAsync(ns);
        // The namespace comes with shop-db; give it the wrong key, as a hand-made Secret often has.
        var secret = (await kube.Api.GetAsync(ResourceKind.Secret, ns, "shop-db", CancellationToken.None))!;
        secret["data"] = new JsonObject { ["url"] = Convert.ToBase64String("postgresql://db/shop"u8.ToArray()) };
        await kube.Api.ReplaceAsync(ResourceKind.Secret, ns, "shop-db", secret, CancellationToken.None);
        await using var op = await OperatorInstance.StartAsync(config, OperatorInstance.TestOptions() with { WatchNamespaces = [ns] }, new XunitOutput(output));
        await kube.CreateAsync(TestKube.Shop(ns, "nokey", replicas: 1));
        var shop = await kube.WaitForConditionAsync(ns, "nokey", "Ready", "False", timeout);

        // The shop's own Ready message names the failing step and points at this command (issue 15).
        var ready = TestKube.Condition(shop, "Ready")!["message"]!.GetValue<string>();
        Assert.StartsWith("PodsReady: ", ready, StringComparison.Ordinal);
        Assert.Contains("has no key connectionString", ready, StringComparison.Ordinal);
        Assert.EndsWith($"; run `kubectl shop diagnose nokey -n {ns}`", ready, StringComparison.Ordinal);

        var (exit, json, text) = await DiagnoseAsync(config, ns, "nokey");
        output.WriteLine(text);
        Assert.Equal(1, exit);
        var dependencies = json["steps"]!.AsArray().Single(s => (string?)s!["name"] == "Dependencies")!;
        Assert.Equal("Fail", (string?)dependencies["status"]);
        Assert.Contains("database Secret shop-db has no key connectionString (keys: url)", (string?)dependencies["message"], StringComparison.Ordinal);
        Assert.NotNull(json["failedStep"]);
    }
}
