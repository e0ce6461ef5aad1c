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
public static class ZeroReplicaRollbackScenario
{
    /// <summary>A digest no registry has and no other test uses (the emulator's failing list is shared).</summary>
    public static string NewFailingDigest() => "ghcr.io/example/shop@sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public static async Task RunAsync(KubernetesClientConfiguration config, string ns, string failingDigest, ITestOutputHelper output, TimeSpan timeout)
    {
        var kube = new TestKube(new Kubernetes(config));
        await kube.CreateNamespaceAsync(ns);
        await using var op = await OperatorInstance.StartAsync(config, OperatorInstance.TestOptions() with { WatchNamespaces = [ns] }, new XunitOutput(output));
        var shop = TestKube.Shop(ns, "demo", replicas: 0, progressDeadlineSeconds: 10);
        await kube.CreateAsync(shop);
        await kube.WaitForConditionAsync(ns, "demo", "Ready", "True", timeout);

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
}
