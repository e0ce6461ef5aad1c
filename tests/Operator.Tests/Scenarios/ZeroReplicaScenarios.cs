using System.Text.Json.Nodes;
using k8s;
using ShopOperator.Kube;
using Xunit.Abstractions;

namespace Operator.Tests;

/// <summary>
/// Api-first ordering, failure and rollback without any image that can run: tiers at 0 replicas are available at
/// once on any cluster, so digest A "serves"; then the api tier gets 1 replica of a digest B that never becomes
/// available (an unpullable digest on a real cluster, a failingImages entry on the emulator). The web tier must
/// not move while the api tier is not done; at the deadline both tiers go back to A and B is not retried.
/// One body, run against the emulator here and against k3s wherever a Docker engine answers.
/// </summary>
public static class ZeroReplicaScenarios
{
    /// <summary>An operator for <paramref name="ns"/> and ShopInstance demo with both tiers at 0 replicas, Ready on digest A.</summary>
    private static async Task<(TestKube Kube, OperatorInstance Operator)> ServingZeroReplicaShopAsync(
        KubernetesClientConfiguration config, string ns, ITestOutputHelper output, TimeSpan timeout)
    {
        var kube = new TestKube(new Kubernetes(config));
        await kube.CreateShopNamespaceAsync(ns);
        var op = await OperatorInstance.StartAsync(config, OperatorInstance.TestOptions() with { WatchNamespaces = [ns] }, new XunitOutput(output));
        try
        {
            await kube.CreateAsync(TestKube.Shop(ns, "demo", replicas: 0, progressDeadlineSeconds: 10));
            await kube.WaitForConditionAsync(ns, "demo", "Ready", "True", timeout);
            return (kube, op);
        }
        catch
        {
            await op.DisposeAsync();
            throw;
        }
    }

    /// <summary>A digest no registry has and no other test uses (the emulator's failing list is shared).</summary>
    public static string NewFailingDigest() => "ghcr.io/example/shop@sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public static async Task RunAsync(KubernetesClientConfiguration config, string ns, string failingDigest, ITestOutputHelper output, TimeSpan timeout)
    {
        var (kube, op) = await ServingZeroReplicaShopAsync(config, ns, output, timeout);
        await using var _ = op;

        await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "demo", s =>
        {
            s["spec"]!["image"] = failingDigest;
            s["spec"]!["api"]!["replicas"] = 1;
        });

        // While the api tier cannot finish, web stays on A: sampled on every poll until the rollout fails.
        var failed = await Poll.UntilAsync(
            async () =>
            {
                var web = TestKube.ContainerImage(await kube.GetAsync(ResourceKind.Deployment, ns, "demo-web"));
                Assert.Equal(TestKube.DigestA, web);
                var current = await kube.GetAsync(ResourceKind.ShopInstance, ns, "demo");
                return TestKube.ConditionStatus(current, "Stalled") == "True" ? current : null;
            },
            timeout,
            "rollout of B failed");

        Assert.Equal("RolloutFailed", TestKube.ConditionReason(failed, "Stalled"));
        Assert.Equal("False", TestKube.ConditionStatus(failed, "Ready"));
        Assert.Equal(failingDigest, failed!["status"]!["failedImage"]!.GetValue<string>());
        Assert.Equal(TestKube.DigestA, failed["status"]!["servingImage"]!.GetValue<string>());
        Assert.Contains(failingDigest[..40], TestKube.Condition(failed, "Ready")!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var history = (JsonArray)failed["status"]!["history"]!;
        Assert.Equal("RolledBack", history[0]!["outcome"]!.GetValue<string>());
        await Poll.UntilAsync(
            async () => TestKube.ContainerImage(await kube.GetAsync(ResourceKind.Deployment, ns, "demo-api")) == TestKube.DigestA ? new object() : null,
            timeout,
            "api tier back on A");
        Assert.Equal(TestKube.DigestA, TestKube.ContainerImage(await kube.GetAsync(ResourceKind.Deployment, ns, "demo-web")));
    }

    /// <summary>Success path and suspend, also without a runnable image: a 0-replica rollout completes at once.</summary>
    public static async Task RunSuccessThenSuspendAsync(KubernetesClientConfiguration config, string ns, ITestOutputHelper output, TimeSpan timeout)
    {
        var (kube, op) = await ServingZeroReplicaShopAsync(config, ns, output, timeout);
        await using var _ = op;

        await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "demo", s => s["spec"]!["image"] = TestKube.DigestB);
        var done = await Poll.UntilAsync(
            async () => await kube.GetAsync(ResourceKind.ShopInstance, ns, "demo") is { } shop
                && shop["status"]?["servingImage"]?.GetValue<string>() == TestKube.DigestB
                && TestKube.ConditionStatus(shop, "Ready") == "True"
                    ? shop
                    : null,
            timeout,
            "B serving");
        Assert.Equal("Succeeded", done["status"]!["history"]![0]!["outcome"]!.GetValue<string>());

        await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "demo", s => s["spec"]!["suspend"] = true);
        var suspended = await kube.WaitForConditionAsync(ns, "demo", "Reconciling", "False", timeout, reason: "Suspended");
        var generation = suspended["metadata"]!["generation"]!.GetValue<long>();
        await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "demo", s => s["spec"]!["image"] = TestKube.DigestC);

        // Suspended: the new generation is never acted on; the Deployments keep B (watched for 3 s, many reconcile times).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        while (DateTime.UtcNow < deadline)
        {
            Assert.Equal(TestKube.DigestB, TestKube.ContainerImage(await kube.GetAsync(ResourceKind.Deployment, ns, "demo-api")));
            Assert.Equal(TestKube.DigestB, TestKube.ContainerImage(await kube.GetAsync(ResourceKind.Deployment, ns, "demo-web")));
            await Task.Delay(100);
        }

        Assert.True((await kube.GetAsync(ResourceKind.ShopInstance, ns, "demo"))!["metadata"]!["generation"]!.GetValue<long>() > generation);
    }
}
