using System.Diagnostics;
using System.Text.Json.Nodes;
using ShopOperator.Kube;
using Xunit.Abstractions;

namespace Operator.Tests;

/// <summary>Issue 5's rollout scenarios, with the emulator's failingImages fault.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class RolloutTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    private IClusterHarness Cluster => fixture.Cluster;

    // progressDeadlineSeconds: short for the tests of failing rollouts; rollouts that must succeed get room, since the
    // emulator's pods take a few controller steps each and test classes run in parallel.
    private async Task<(TestKube Kube, OperatorInstance Operator, string Ns)> ReadyShopAsync(string prefix, bool autoRollback = true, int progressDeadlineSeconds = 2)
    {
        var ns = $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";
        var kube = new TestKube(new k8s.Kubernetes(Cluster.Config));
        await kube.CreateShopNamespaceAsync(ns);
        var op = await OperatorInstance.StartAsync(Cluster.Config, OperatorInstance.TestOptions() with { WatchNamespaces = [ns] }, new XunitOutput(output));
        var shop = TestKube.Shop(ns, "demo", progressDeadlineSeconds: progressDeadlineSeconds);
        shop["spec"]!["rollout"]!["autoRollback"] = autoRollback;
        await kube.CreateAsync(shop);
        await kube.WaitForConditionAsync(ns, "demo", "Ready", "True");
        return (kube, op, ns);
    }

    private static Task SetImageAsync(TestKube kube, string ns, string image) =>
        kube.UpdateAsync(ResourceKind.ShopInstance, ns, "demo", s => s["spec"]!["image"] = image);

    private static JsonArray History(JsonObject? shop) => shop?["status"]?["history"] as JsonArray ?? [];

    private static async Task<(string? Api, string? Web)> ImagesAsync(TestKube kube, string ns) =>
        (TestKube.ContainerImage(await kube.GetAsync(ResourceKind.Deployment, ns, "demo-api")),
         TestKube.ContainerImage(await kube.GetAsync(ResourceKind.Deployment, ns, "demo-web")));

    private static async Task<JsonObject> WaitForHistoryAsync(TestKube kube, string ns, string image, string outcome, TimeSpan timeout) =>
        await Poll.UntilAsync(
            async () =>
            {
                var shop = await kube.GetAsync(ResourceKind.ShopInstance, ns, "demo");
                return History(shop).OfType<JsonObject>().Any(h => h["image"]?.GetValue<string>() == image && h["outcome"]?.GetValue<string>() == outcome) ? shop : null;
            },
            timeout,
            $"history entry {outcome} for {image}");

    /// <summary>The rule of kubectl rollout status: generation observed, updated = replicas = desired, available = updated.</summary>
    private static bool RolledOut(JsonObject? deployment, string image, int desired)
    {
        var status = deployment?["status"];
        int Count(string field) => status?[field]?.GetValue<int>() ?? 0;
        return TestKube.ContainerImage(deployment) == image
            && status?["observedGeneration"]?.GetValue<long>() == deployment!["metadata"]!["generation"]!.GetValue<long>()
            && Count("updatedReplicas") == desired && Count("replicas") == desired && Count("availableReplicas") == desired;
    }

    [Fact]
    public async Task A_new_digest_rolls_out_api_first_then_web_and_is_recorded()
    {
        var (kube, op, ns) = await ReadyShopAsync("ro-ok", progressDeadlineSeconds: 15);
        await using var _ = op;

        var started = Stopwatch.StartNew();
        await SetImageAsync(kube, ns, TestKube.DigestB);
        var sawApiFirst = false;
        var webBeforeApiDone = false;
        JsonObject? shop = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        string? apiSeenWhenWebMoved = null;
        while (DateTime.UtcNow < deadline)
        {
            // web first, then api: the api tier's done state lasts, so an api read after web moved must show it done.
            var web = await kube.GetAsync(ResourceKind.Deployment, ns, "demo-web");
            var api = await kube.GetAsync(ResourceKind.Deployment, ns, "demo-api");
            if (TestKube.ContainerImage(api) == TestKube.DigestB && TestKube.ContainerImage(web) == TestKube.DigestA)
            {
                sawApiFirst = true;
            }

            if (TestKube.ContainerImage(web) == TestKube.DigestB && !RolledOut(api, TestKube.DigestB, 2))
            {
                webBeforeApiDone = true;
                apiSeenWhenWebMoved ??= api!["status"]?.ToJsonString();
            }

            shop = await kube.GetAsync(ResourceKind.ShopInstance, ns, "demo");
            if (History(shop).OfType<JsonObject>().Any(h => h["image"]?.GetValue<string>() == TestKube.DigestB && h["outcome"]?.GetValue<string>() == "Succeeded"))
            {
                break;
            }

            await Task.Delay(20);
        }

        output.WriteLine($"digest change → rollout recorded in status: {started.ElapsedMilliseconds} ms");
        Assert.True(sawApiFirst, "api tier moved to the new digest while web still ran the old one");
        Assert.False(webBeforeApiDone, "web moved before every api replica ran the new digest and was available (old ones gone); api status then: " + apiSeenWhenWebMoved);
        Assert.Equal(TestKube.DigestB, shop!["status"]!["servingImage"]!.GetValue<string>());
        Assert.Null(shop["status"]?["rolloutImage"]);
        Assert.Equal("True", TestKube.ConditionStatus(shop, "Ready"));
        var events = await kube.Api.ListAsync(ResourceKind.Event, ns, null, CancellationToken.None);
        Assert.Contains(events.Items, e => e["reason"]?.GetValue<string>() is { } r && r.StartsWith("Rollout", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_digest_rolls_back_to_the_last_good_one_and_is_not_retried()
    {
        var (kube, op, ns) = await ReadyShopAsync("ro-fail");
        await using var _ = op;
        await Cluster.SetFailingImagesAsync(TestKube.DigestC);

        await SetImageAsync(kube, ns, TestKube.DigestC);
        var shop = await WaitForHistoryAsync(kube, ns, TestKube.DigestC, "RolledBack", TimeSpan.FromSeconds(30));

        Assert.Equal("RolloutFailed", TestKube.ConditionReason(shop, "Stalled"));
        Assert.Equal("True", TestKube.ConditionStatus(shop, "Stalled"));
        Assert.Equal("False", TestKube.ConditionStatus(shop, "Ready"));
        Assert.Equal("RolloutFailed", TestKube.ConditionReason(shop, "Ready"));
        Assert.Contains("api", TestKube.Condition(shop, "Stalled")!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(TestKube.DigestC[..(TestKube.DigestC.IndexOf('@', StringComparison.Ordinal) + 20)], TestKube.Condition(shop, "Stalled")!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(TestKube.DigestC, shop["status"]!["failedImage"]!.GetValue<string>());
        Assert.Equal(TestKube.DigestA, shop["status"]!["servingImage"]!.GetValue<string>());
        await Poll.UntilAsync(async () => await ImagesAsync(kube, ns) == (TestKube.DigestA, TestKube.DigestA) ? new object() : null, TimeSpan.FromSeconds(10), "both tiers back on the good digest");

        // No flapping: the failed digest stays out while spec.image still names it.
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(3))
        {
            Assert.Equal((TestKube.DigestA, TestKube.DigestA), await ImagesAsync(kube, ns));
            op.Controller.EnqueueAll();
            await Task.Delay(100);
        }

        Assert.Equal(TestKube.DigestC, (await kube.GetAsync(ResourceKind.ShopInstance, ns, "demo"))!["spec"]!["image"]!.GetValue<string>());
        var events = await kube.Api.ListAsync(ResourceKind.Event, ns, null, CancellationToken.None);
        Assert.Contains(events.Items, e => e["type"]?.GetValue<string>() == "Warning" && e["reason"]?.GetValue<string>() is { } r && r.Contains("Roll", StringComparison.Ordinal));
        await Cluster.SetFailingImagesAsync();
    }

    [Fact]
    public async Task A_new_digest_during_a_rollout_supersedes_it()
    {
        var (kube, op, ns) = await ReadyShopAsync("ro-super", progressDeadlineSeconds: 15);
        await using var _ = op;
        await Cluster.SetFailingImagesAsync(TestKube.DigestC);

        await SetImageAsync(kube, ns, TestKube.DigestC);
        await Poll.UntilAsync(async () => (await ImagesAsync(kube, ns)).Api == TestKube.DigestC ? new object() : null, TimeSpan.FromSeconds(10), "rollout of C started");
        await SetImageAsync(kube, ns, TestKube.DigestB);

        var shop = await WaitForHistoryAsync(kube, ns, TestKube.DigestB, "Succeeded", TimeSpan.FromSeconds(20));
        output.WriteLine(History(shop).ToJsonString());
        Assert.Contains(History(shop).OfType<JsonObject>(), h => h["image"]?.GetValue<string>() == TestKube.DigestC && h["outcome"]?.GetValue<string>() == "Superseded");
        Assert.Equal(TestKube.DigestB, shop["status"]!["servingImage"]!.GetValue<string>());
        Assert.Equal((TestKube.DigestB, TestKube.DigestB), await ImagesAsync(kube, ns));
        await Cluster.SetFailingImagesAsync();
    }

    [Fact]
    public async Task With_rollback_off_a_failed_rollout_stops_and_reports()
    {
        var (kube, op, ns) = await ReadyShopAsync("ro-off", autoRollback: false);
        await using var _ = op;
        await Cluster.SetFailingImagesAsync(TestKube.DigestC);

        await SetImageAsync(kube, ns, TestKube.DigestC);
        var shop = await kube.WaitForConditionAsync(ns, "demo", "Stalled", "True", TimeSpan.FromSeconds(30), reason: "RolloutFailed");

        Assert.Equal("False", TestKube.ConditionStatus(shop, "Ready"));
        Assert.Equal((TestKube.DigestC, TestKube.DigestA), await ImagesAsync(kube, ns));
        Assert.Contains(History(shop).OfType<JsonObject>(), h => h["image"]?.GetValue<string>() == TestKube.DigestC && h["outcome"]?.GetValue<string>() == "Failed");
        await Cluster.SetFailingImagesAsync();
    }

    [Fact]
    public async Task Suspend_freezes_rollouts_until_resumed()
    {
        var (kube, op, ns) = await ReadyShopAsync("ro-susp", progressDeadlineSeconds: 15);
        await using var _ = op;

        await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "demo", s =>
        {
            s["spec"]!["suspend"] = true;
            s["spec"]!["image"] = TestKube.DigestB;
        });
        await Poll.UntilAsync(
            async () => (await kube.GetAsync(ResourceKind.ShopInstance, ns, "demo"))!["status"]!.ToJsonString().Contains("Suspended", StringComparison.Ordinal) ? new object() : null,
            TimeSpan.FromSeconds(10),
            "status says Suspended");
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(1.5))
        {
            Assert.Equal((TestKube.DigestA, TestKube.DigestA), await ImagesAsync(kube, ns));
            await Task.Delay(100);
        }

        await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "demo", s => s["spec"]!["suspend"] = false);
        await WaitForHistoryAsync(kube, ns, TestKube.DigestB, "Succeeded", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Suspend_in_the_middle_of_a_failing_rollout_freezes_it_past_its_deadline()
    {
        var (kube, op, ns) = await ReadyShopAsync("ro-freeze");
        await using var _ = op;
        await Cluster.SetFailingImagesAsync(TestKube.DigestC);

        await SetImageAsync(kube, ns, TestKube.DigestC);
        await Poll.UntilAsync(async () => (await ImagesAsync(kube, ns)).Api == TestKube.DigestC ? new object() : null, TimeSpan.FromSeconds(10), "rollout of C started");
        await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "demo", s => s["spec"]!["suspend"] = true);
        await kube.WaitForConditionAsync(ns, "demo", "Reconciling", "False", reason: "Suspended");

        // The api Deployment passes its 2 s progress deadline meanwhile; a suspended shop is not rolled back.
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(3))
        {
            Assert.Equal((TestKube.DigestC, TestKube.DigestA), await ImagesAsync(kube, ns));
            await Task.Delay(100);
        }

        var frozen = await kube.GetAsync(ResourceKind.ShopInstance, ns, "demo");
        Assert.DoesNotContain(History(frozen).OfType<JsonObject>(), h => h["image"]?.GetValue<string>() == TestKube.DigestC);
        Assert.Equal("ProgressDeadlineExceeded", (await kube.GetAsync(ResourceKind.Deployment, ns, "demo-api"))!["status"]!["conditions"]!.AsArray()
            .OfType<JsonObject>().Single(c => c["type"]!.GetValue<string>() == "Progressing")["reason"]!.GetValue<string>());

        // Resumed, the rollout is judged as it stands: failed, and rolled back.
        await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "demo", s => s["spec"]!["suspend"] = false);
        await WaitForHistoryAsync(kube, ns, TestKube.DigestC, "RolledBack", TimeSpan.FromSeconds(20));
        await Poll.UntilAsync(async () => await ImagesAsync(kube, ns) == (TestKube.DigestA, TestKube.DigestA) ? new object() : null, TimeSpan.FromSeconds(10), "both tiers back on the good digest");
        await Cluster.SetFailingImagesAsync();
    }

    [Fact]
    public async Task Zero_replica_tiers_serve_and_a_failing_api_rollout_never_moves_web_and_rolls_back()
    {
        // The scenario the K3s suite runs on a real cluster, here with B listed as failing.
        var failing = ZeroReplicaScenarios.NewFailingDigest();
        await Cluster.SetFailingImagesAsync(failing);

        await ZeroReplicaScenarios.RunAsync(Cluster.Config, $"ro-zero-{Guid.NewGuid().ToString("N")[..6]}", failing, output, TimeSpan.FromSeconds(40));
    }

    [Fact]
    public async Task Zero_replica_tiers_roll_out_a_digest_and_suspend_freezes_the_next_one()
    {
        await ZeroReplicaScenarios.RunSuccessThenSuspendAsync(Cluster.Config, $"ro-zs-{Guid.NewGuid().ToString("N")[..6]}", output, TimeSpan.FromSeconds(30));
    }
}
