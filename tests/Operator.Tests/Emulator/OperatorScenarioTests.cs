using System.Diagnostics;
using System.Text.Json.Nodes;
using ShopOperator.Kube;
using Xunit.Abstractions;

namespace Operator.Tests;

[CollectionDefinition(Name)]
public sealed class EmulatorCollection : ICollectionFixture<EmulatorFixture>
{
    public const string Name = "emulator";
}

/// <summary>The operator end to end against the in-process API emulator (issue 4's controller scenarios).</summary>
[Collection(EmulatorCollection.Name)]
public sealed class OperatorScenarioTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    private IClusterHarness Cluster => fixture.Cluster;

    private async Task<(TestKube Kube, OperatorInstance Operator, string Ns)> StartAsync(string prefix, ShopOperator.OperatorOptions? options = null)
    {
        var ns = $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";
        var kube = new TestKube(new k8s.Kubernetes(Cluster.Config));
        await kube.CreateShopNamespaceAsync(ns);
        var op = await OperatorInstance.StartAsync(Cluster.Config, (options ?? OperatorInstance.TestOptions()) with { WatchNamespaces = [ns] }, new XunitOutput(output));
        return (kube, op, ns);
    }

    /// <summary>An operator watching a new namespace whose shop "demo" is Ready and whose queue has gone quiet.</summary>
    private async Task<(TestKube Kube, OperatorInstance Operator, string Ns)> StartWithQuietDemoShopAsync(string prefix)
    {
        var (kube, op, ns) = await StartAsync(prefix);
        try
        {
            await kube.CreateAsync(TestKube.Shop(ns, "demo"));
            await kube.WaitForConditionAsync(ns, "demo", "Ready", "True");
            await WaitQuietAsync(op);
            return (kube, op, ns);
        }
        catch
        {
            await op.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task Apply_creates_every_child_and_Ready_follows_the_emulated_deployments()
    {
        var (kube, op, ns) = await StartAsync("apply");
        await using var _ = op;
        await kube.CreateAsync(TestKube.Shop(ns, "demo"));

        var shop = await kube.WaitForConditionAsync(ns, "demo", "Ready", "True");

        foreach (var (kind, suffix) in TestKube.Children)
        {
            var child = await kube.GetAsync(kind, ns, "demo" + suffix);
            Assert.NotNull(child);
            var owner = Assert.Single(child!["metadata"]!["ownerReferences"]!.AsArray())!;
            Assert.Equal("ShopInstance", owner["kind"]!.GetValue<string>());
            Assert.True(owner["controller"]!.GetValue<bool>());
            Assert.Equal("shop-operator", child["metadata"]!["labels"]!["app.kubernetes.io/managed-by"]!.GetValue<string>());
            Assert.Equal("demo", child["metadata"]!["labels"]!["app.kubernetes.io/instance"]!.GetValue<string>());
        }

        // Ready=True only once the emulated deployment controller reports both tiers caught up and available.
        foreach (var tier in new[] { "web", "api" })
        {
            var deployment = await kube.GetAsync(ResourceKind.Deployment, ns, "demo-" + tier);
            Assert.Equal(deployment!["metadata"]!["generation"]!.GetValue<long>(), deployment["status"]!["observedGeneration"]!.GetValue<long>());
            Assert.Equal(2, deployment["status"]!["availableReplicas"]!.GetValue<int>());
            Assert.Equal(2, deployment["status"]!["updatedReplicas"]!.GetValue<int>());
            Assert.Equal(2, shop["status"]![tier]!["readyReplicas"]!.GetValue<int>());
        }

        Assert.Equal(shop["metadata"]!["generation"]!.GetValue<long>(), shop["status"]!["observedGeneration"]!.GetValue<long>());
        Assert.Equal(TestKube.DigestA, shop["status"]!["servingImage"]!.GetValue<string>());
        Assert.Equal("True", TestKube.ConditionStatus(shop, "Ready"));
        Assert.Equal("False", TestKube.ConditionStatus(shop, "Stalled"));
        var http = new HttpClient { BaseAddress = op.HttpAddress };
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode);
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("controller_runtime_reconcile_total{controller=\"shopinstance\",result=\"success\"}", metrics);
        Assert.Contains("rest_client_requests_total", metrics);
        Assert.Contains("workqueue_adds_total", metrics);
    }

    [Fact]
    public async Task ObservedGeneration_tracks_spec_changes()
    {
        var (kube, op, ns) = await StartAsync("gen");
        await using var _ = op;
        await kube.CreateAsync(TestKube.Shop(ns, "demo"));
        await kube.WaitForConditionAsync(ns, "demo", "Ready", "True");

        var updated = await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "demo", s => s["spec"]!["web"]!["replicas"] = 3);
        var generation = updated["metadata"]!["generation"]!.GetValue<long>();

        var shop = await Poll.UntilAsync(async () =>
        {
            var s = await kube.GetAsync(ResourceKind.ShopInstance, ns, "demo");
            return s?["status"]?["observedGeneration"]?.GetValue<long>() == generation && TestKube.ConditionStatus(s, "Ready") == "True" ? s : null;
        }, TimeSpan.FromSeconds(20), "observedGeneration caught up");
        var web = await kube.GetAsync(ResourceKind.Deployment, ns, "demo-web");
        Assert.Equal(3, web!["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal(generation, TestKube.Condition(shop, "Ready")!["observedGeneration"]!.GetValue<long>());
    }

    [Fact]
    public async Task Every_child_deleted_by_hand_is_restored()
    {
        var (kube, op, ns) = await StartAsync("drift-del");
        await using var _ = op;
        await kube.CreateAsync(TestKube.Shop(ns, "demo"));
        await kube.WaitForConditionAsync(ns, "demo", "Ready", "True");

        foreach (var (kind, suffix) in TestKube.Children)
        {
            var before = await kube.GetAsync(kind, ns, "demo" + suffix);
            await kube.DeleteAsync(kind, ns, "demo" + suffix);
            var after = await Poll.UntilAsync(
                async () => await kube.TryGetAsync(kind, ns, "demo" + suffix) is { } o && o["metadata"]!["uid"]!.GetValue<string>() != before!["metadata"]!["uid"]!.GetValue<string>() ? o : null,
                TimeSpan.FromSeconds(10),
                $"{kind.Kind} demo{suffix} restored");
            Assert.NotNull(after);
        }
    }

    [Fact]
    public async Task Children_edited_by_hand_are_restored_and_fields_of_other_tools_kept()
    {
        var (kube, op, ns) = await StartAsync("drift-edit");
        await using var _ = op;
        await kube.CreateAsync(TestKube.Shop(ns, "demo"));
        await kube.WaitForConditionAsync(ns, "demo", "Ready", "True");
        var keyBefore = (await kube.GetAsync(ResourceKind.Secret, ns, "demo-web-keys"))!["data"]!.ToJsonString();

        await kube.UpdateAsync(ResourceKind.Deployment, ns, "demo-api", d =>
        {
            d["spec"]!["replicas"] = 7;
            d["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "evil/image:latest";
            d["metadata"]!["annotations"] ??= new JsonObject();
            d["metadata"]!["annotations"]!["other-tool.example.com/note"] = "keep me";
        });
        await kube.UpdateAsync(ResourceKind.Service, ns, "demo-web", s =>
        {
            // A field inside our port (list-map key port+protocol): a force apply takes it back. (Changing the port
            // itself would make a new list item the editor owns, which server-side apply rightly leaves alone.)
            // A number where we write a name: the apply turns it back into the name.
            s["spec"]!["ports"]![0]!["targetPort"] = 9999;
            s["metadata"]!["annotations"] ??= new JsonObject();
            s["metadata"]!["annotations"]!["other-tool.example.com/note"] = "keep me";
        });
        await kube.UpdateAsync(ResourceKind.Ingress, ns, "demo", i =>
        {
            i["metadata"]!["labels"]!.AsObject().Remove("app.kubernetes.io/instance");
            i["metadata"]!["labels"]!["team.example.com/owner"] = "payments";
            i["metadata"]!["annotations"] ??= new JsonObject();
            i["metadata"]!["annotations"]!["cert-manager.io/issued-by"] = "someone";
        });
        await kube.UpdateAsync(ResourceKind.NetworkPolicy, ns, "demo-default-deny", p => p["spec"]!["policyTypes"] = new JsonArray("Ingress"));
        await kube.UpdateAsync(ResourceKind.ServiceAccount, ns, "demo-web", s => s["automountServiceAccountToken"] = true);
        await kube.UpdateAsync(ResourceKind.PodDisruptionBudget, ns, "demo-api", p => p["metadata"]!["labels"]!["app.kubernetes.io/managed-by"] = "someone-else");
        await kube.UpdateAsync(ResourceKind.Secret, ns, "demo-web-keys", s => s["metadata"]!["labels"]!.AsObject().Remove("app.kubernetes.io/name"));

        var pending = new List<string>();
        try
        {
            await Poll.UntilAsync(async () =>
            {
                var api = await kube.GetAsync(ResourceKind.Deployment, ns, "demo-api");
                var web = await kube.GetAsync(ResourceKind.Service, ns, "demo-web");
                var ing = await kube.GetAsync(ResourceKind.Ingress, ns, "demo");
                var np = await kube.GetAsync(ResourceKind.NetworkPolicy, ns, "demo-default-deny");
                var sa = await kube.GetAsync(ResourceKind.ServiceAccount, ns, "demo-web");
                var pdb = await kube.GetAsync(ResourceKind.PodDisruptionBudget, ns, "demo-api");
                var secret = await kube.GetAsync(ResourceKind.Secret, ns, "demo-web-keys");
                pending =
                [
                    .. api!["spec"]!["replicas"]!.GetValue<int>() == 2 ? Array.Empty<string>() : ["deployment replicas"],
                    .. TestKube.ContainerImage(api) == TestKube.DigestA ? Array.Empty<string>() : ["deployment image"],
                    .. web!["spec"]!["ports"]![0]!["targetPort"]!.ToJsonString() == "\"http\"" ? Array.Empty<string>() : ["service targetPort"],
                    .. ing!["metadata"]!["labels"]?["app.kubernetes.io/instance"] is not null ? Array.Empty<string>() : ["ingress label"],
                    .. np!["spec"]!["policyTypes"]!.AsArray().Count == 2 ? Array.Empty<string>() : ["networkpolicy policyTypes"],
                    .. sa!["automountServiceAccountToken"]!.GetValue<bool>() == false ? Array.Empty<string>() : ["serviceaccount automount"],
                    .. pdb!["metadata"]!["labels"]!["app.kubernetes.io/managed-by"]!.GetValue<string>() == "shop-operator" ? Array.Empty<string>() : ["pdb managed-by label"],
                    .. secret!["metadata"]!["labels"]?["app.kubernetes.io/name"] is not null ? Array.Empty<string>() : ["secret label"],
                ];
                return pending.Count == 0 ? api : null;
            }, TimeSpan.FromSeconds(15), "every edited child restored");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + ": still drifted: " + string.Join(", ", pending), e);
        }

        // Fields the operator does not own (annotations and labels of other tools) are left alone.
        var deployment = await kube.GetAsync(ResourceKind.Deployment, ns, "demo-api");
        Assert.Equal("keep me", deployment!["metadata"]!["annotations"]!["other-tool.example.com/note"]!.GetValue<string>());
        var service = await kube.GetAsync(ResourceKind.Service, ns, "demo-web");
        Assert.Equal("keep me", service!["metadata"]!["annotations"]!["other-tool.example.com/note"]!.GetValue<string>());
        var ingress = await kube.GetAsync(ResourceKind.Ingress, ns, "demo");
        Assert.Equal("payments", ingress!["metadata"]!["labels"]!["team.example.com/owner"]!.GetValue<string>());
        Assert.Equal("someone", ingress["metadata"]!["annotations"]!["cert-manager.io/issued-by"]!.GetValue<string>());

        // The repaired objects came back from the server with its defaults and the other tools' fields: the next
        // pass still finds nothing to write.
        await kube.WaitForConditionAsync(ns, "demo", "Ready", "True");
        await WaitQuietAsync(op);
        var (writesBefore, reconcilesBefore) = (Cluster.WriteRequests, ReconcileCount(op));
        op.Controller.EnqueueAll();
        await Poll.UntilAsync(() => ReconcileCount(op) > reconcilesBefore, what: "resync after the repairs");
        Assert.Equal(writesBefore, Cluster.WriteRequests);
        Assert.Equal(keyBefore, (await kube.GetAsync(ResourceKind.Secret, ns, "demo-web-keys"))!["data"]!.ToJsonString());
    }

    [Fact]
    public async Task A_no_op_resync_sends_no_request_at_all()
    {
        var (kube, op, ns) = await StartWithQuietDemoShopAsync("noop");
        await using var _ = op;

        var successBefore = ReconcileCount(op);
        var writesBefore = Cluster.WriteRequests;
        var allBefore = Cluster.AllRequests;
        const int passes = 20;
        for (var i = 0; i < passes; i++)
        {
            op.Controller.EnqueueAll();
            await Poll.UntilAsync(() => ReconcileCount(op) >= successBefore + i + 1, what: "resync reconciled");
        }

        var writes = Cluster.WriteRequests - writesBefore;
        var all = Cluster.AllRequests - allBefore;
        output.WriteLine($"no-op resync: {passes} reconciles, {writes} write requests, {all} requests in total ({(double)all / passes:0.00} per reconcile)");
        Assert.Equal(0, writes);
        Assert.Equal(0, all);
    }

    [Fact]
    public async Task A_resync_of_a_settled_shop_ends_at_once_and_a_drifted_child_is_still_repaired()
    {
        // Issue 14, the no-op pass: a pass over the same resourceVersions as the last settled one ends before
        // building anything (SettledPasses); any change gives a child a new resourceVersion, so it is never skipped.
        var (kube, op, ns) = await StartWithQuietDemoShopAsync("settled");
        await using var _ = op;

        var settled = op.Metrics.SettledPasses.WithLabels("shopinstance");
        var skippedBefore = settled.Value;
        var allBefore = Cluster.AllRequests;
        op.Controller.EnqueueAll();
        await Poll.UntilAsync(() => settled.Value > skippedBefore, what: "a settled pass on resync");
        Assert.Equal(0, Cluster.AllRequests - allBefore);

        // Drift: the pass that follows the edit is a full one and takes the image back.
        await kube.UpdateAsync(ResourceKind.Deployment, ns, "demo-web", d => d["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "evil/image:latest");
        await Poll.UntilAsync(
            async () => (string?)(await kube.GetAsync(ResourceKind.Deployment, ns, "demo-web"))!["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] == TestKube.DigestA ? "" : null,
            what: "the drifted image repaired");
        await kube.WaitForConditionAsync(ns, "demo", "Ready", "True");
        await WaitQuietAsync(op);

        // Settled again: the next resync skips once more.
        var skippedBeforeDrift = settled.Value;
        op.Controller.EnqueueAll();
        await Poll.UntilAsync(() => settled.Value > skippedBeforeDrift, what: "a settled pass after the repair");
    }

    [Fact]
    public async Task A_restarted_operator_sends_no_write_for_a_converged_shop()
    {
        // Issue 14: "0 writes on restart". What the operator applied is on each child (the applied-hash
        // annotation), so a new process, with nothing in memory, still recognises its own work.
        var (kube, op, ns) = await StartAsync("restart");
        await kube.CreateAsync(TestKube.Shop(ns, "demo"));
        await kube.WaitForConditionAsync(ns, "demo", "Ready", "True");
        await WaitQuietAsync(op);
        await op.DisposeAsync();

        var writesBefore = Cluster.WriteRequests;
        await using var again = await OperatorInstance.StartAsync(Cluster.Config, OperatorInstance.TestOptions() with { WatchNamespaces = [ns] }, new XunitOutput(output));
        await Poll.UntilAsync(() => ReconcileCount(again) >= 1, TimeSpan.FromSeconds(30), "the restarted operator's first pass");
        await WaitQuietAsync(again);

        var writes = Cluster.WriteRequests - writesBefore;
        output.WriteLine($"restart: {writes} write requests");
        Assert.Equal(0, writes);
        Assert.Equal("True", TestKube.ConditionStatus(await kube.GetAsync(ResourceKind.ShopInstance, ns, "demo"), "Ready"));
    }

    [Fact]
    public async Task A_tag_instead_of_a_digest_is_rejected_by_the_CRD_schema_with_422()
    {
        var ns = $"tag-{Guid.NewGuid().ToString("N")[..6]}";
        var kube = new TestKube(new k8s.Kubernetes(Cluster.Config));
        await kube.CreateShopNamespaceAsync(ns);

        var e = await Assert.ThrowsAsync<KubeApiException>(() => kube.CreateAsync(TestKube.Shop(ns, "bad", image: "ghcr.io/example/shop:latest")));

        // The schema's pattern carries the rule, so the API server refuses the object before any operator sees it.
        Assert.Equal((System.Net.HttpStatusCode)422, e.StatusCode);
        Assert.Equal("Invalid", e.Reason);
        Assert.Contains("spec.image", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_spec_reports_InvalidSpec_and_creates_nothing()
    {
        var (kube, op, ns) = await StartAsync("invalid");
        await using var _ = op;

        // An IP address as host passes the CRD (it matches the DNS-subdomain pattern), but the API server refuses an
        // Ingress with it (ValidateIngressSpec): the operator checks it before writing and says so in status.
        var bad = TestKube.Shop(ns, "bad");
        bad["spec"]!["host"] = "10.1.2.3";
        await kube.CreateAsync(bad);

        var shop = await kube.WaitForConditionAsync(ns, "bad", "Ready", "False", reason: "InvalidSpec");
        Assert.Equal("True", TestKube.ConditionStatus(shop, "Stalled"));
        Assert.Equal("InvalidSpec", TestKube.ConditionReason(shop, "Stalled"));
        Assert.Contains("must be a DNS name, not an IP address", TestKube.Condition(shop, "Ready")!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(shop["metadata"]!["generation"]!.GetValue<long>(), shop["status"]!["observedGeneration"]!.GetValue<long>());
        foreach (var (kind, suffix) in TestKube.Children)
        {
            Assert.Null(await kube.TryGetAsync(kind, ns, "bad" + suffix));
        }

        var events = await kube.Api.ListAsync(ResourceKind.Event, ns, null, CancellationToken.None);
        Assert.Contains(events.Items, e => e["reason"]?.GetValue<string>() == "InvalidSpec" && e["type"]?.GetValue<string>() == "Warning");

        // Fixing the spec is all it takes.
        await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "bad", s => s["spec"]!["host"] = "bad.example.com");
        await kube.WaitForConditionAsync(ns, "bad", "Ready", "True");
        Assert.Equal("False", TestKube.ConditionStatus(await kube.GetAsync(ResourceKind.ShopInstance, ns, "bad"), "Stalled"));
    }

    [Fact]
    public async Task Injected_409_500_and_429_are_retried_until_the_shop_is_ready()
    {
        var (kube, op, ns) = await StartAsync("faults");
        await using var _ = op;
        // Children are written with server-side apply: a PATCH, which creates them too.
        Cluster.FailNext("patch", "deployments", 500, 3);
        Cluster.FailNext("patch", "services", 429, 2);
        Cluster.FailNext("update", "shopinstances/status", 409, 2);
        await kube.CreateAsync(TestKube.Shop(ns, "demo"));

        await kube.WaitForConditionAsync(ns, "demo", "Ready", "True", TimeSpan.FromSeconds(30));

        // Each injected 500 and 429 failed one reconcile; the two 409s were requeued without counting as errors.
        Assert.Equal(5, op.Metrics.ReconcileErrors.WithLabels("shopinstance").Value);
        Assert.True(op.Metrics.ReconcileTotal.WithLabels("shopinstance", "requeue").Value >= 2, "conflicts requeued");
    }

    [Fact]
    public async Task Dropped_watches_reconnect_and_a_forced_410_relists_without_missing_a_change()
    {
        var (kube, op, ns) = await StartAsync("watch");
        await using var _ = op;
        await kube.CreateAsync(TestKube.Shop(ns, "demo"));
        await kube.WaitForConditionAsync(ns, "demo", "Ready", "True");

        // Streams that just end (an API server restart, a proxy): every informer watches again from where it was,
        // without a relist, and a change made meanwhile still arrives.
        var plurals = op.Controller.Cache.Informers.Select(i => i.Kind.Plural).Distinct().ToList();
        long Sum(string verb) => plurals.Sum(p => Cluster.Counts(verb, p));
        var (watchesBefore, listsBeforeClose) = (Sum("watch"), Sum("list"));
        Cluster.CloseWatches();
        await kube.DeleteAsync(ResourceKind.Service, ns, "demo-api");
        await Poll.UntilAsync(async () => await kube.TryGetAsync(ResourceKind.Service, ns, "demo-api"), TimeSpan.FromSeconds(10), "service restored after dropped watches");
        await Poll.UntilAsync(() => Sum("watch") >= watchesBefore + plurals.Count, TimeSpan.FromSeconds(10), "every informer watching again");
        Assert.Equal(listsBeforeClose, Sum("list"));

        // A change made while no watch is open, from a resourceVersion the server no longer keeps: the watch that
        // finally comes back gets 410 Gone and only a relist can show the change.
        var listsBefore = Cluster.Counts("list", "shopinstances");
        const int failedWatches = 8; // at 20, 40, 80, 160, 320, 500, 500, 500 ms backoff: the watch stays down for about 2 s
        Cluster.FailNext("watch", "shopinstances", 503, failedWatches);
        Cluster.CloseWatches();
        await Poll.UntilAsync(() => Cluster.Counts("watch", "shopinstances", 503) >= 1, TimeSpan.FromSeconds(10), "the shopinstances watch is down");
        await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "demo", s => s["spec"]!["api"]!["replicas"] = 3);

        // Compacting after the change expires the informer's last resourceVersion (a watch from the newest one would
        // still be served, as upstream does).
        Cluster.CompactHistory();
        Assert.True(Cluster.Counts("watch", "shopinstances", 503) < failedWatches, "the watch was still down when the history was compacted");
        await Poll.UntilAsync(
            async () => (await kube.GetAsync(ResourceKind.Deployment, ns, "demo-api"))!["spec"]!["replicas"]!.GetValue<int>() == 3 ? new object() : null,
            TimeSpan.FromSeconds(15),
            "the change made while the watch was down reached the deployment");
        Assert.Equal(failedWatches, Cluster.Counts("watch", "shopinstances", 503));
        Assert.True(Cluster.Counts("list", "shopinstances") > listsBefore, "the informer relisted after 410 Gone");
        await kube.WaitForConditionAsync(ns, "demo", "Ready", "True");
    }

    [Fact]
    public async Task Only_the_watched_namespaces_are_reconciled()
    {
        var (kube, op, ns) = await StartAsync("watched");
        await using var _ = op;
        var other = "unwatched-" + Guid.NewGuid().ToString("N")[..6];
        await kube.CreateShopNamespaceAsync(other);
        await kube.CreateAsync(TestKube.Shop(other, "elsewhere"));
        await kube.CreateAsync(TestKube.Shop(ns, "demo"));

        await kube.WaitForConditionAsync(ns, "demo", "Ready", "True");
        Assert.Null((await kube.GetAsync(ResourceKind.ShopInstance, other, "elsewhere"))!["status"]);
        Assert.Null(await kube.TryGetAsync(ResourceKind.Deployment, other, "elsewhere-web"));
    }

    [Fact]
    public async Task A_suspended_shop_is_left_alone_even_when_a_child_is_deleted()
    {
        var (kube, op, ns) = await StartAsync("suspend");
        await using var _ = op;
        await kube.CreateAsync(TestKube.Shop(ns, "demo"));
        await kube.WaitForConditionAsync(ns, "demo", "Ready", "True");

        await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "demo", s => s["spec"]!["suspend"] = true);
        await kube.WaitForConditionAsync(ns, "demo", "Reconciling", "False", reason: "Suspended");
        await kube.DeleteAsync(ResourceKind.Service, ns, "demo-web");
        op.Controller.EnqueueAll();
        await WaitQuietAsync(op);
        Assert.Null(await kube.TryGetAsync(ResourceKind.Service, ns, "demo-web"));
        Assert.NotNull(await kube.TryGetAsync(ResourceKind.Deployment, ns, "demo-web"));

        await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "demo", s => s["spec"]!["suspend"] = false);
        await Poll.UntilAsync(() => kube.TryGetAsync(ResourceKind.Service, ns, "demo-web"), what: "service restored after resume");
    }

    private static double ReconcileCount(OperatorInstance op) =>
        op.Metrics.ReconcileTotal.WithLabels("shopinstance", "success").Value + op.Metrics.ReconcileTotal.WithLabels("shopinstance", "requeue_after").Value;

    private static async Task WaitQuietAsync(OperatorInstance op)
    {
        // Quiet: nothing queued and no reconcile finished for a moment.
        var last = -1.0;
        var stableSince = Stopwatch.StartNew();
        await Poll.UntilAsync(() =>
        {
            var now = op.Metrics.ReconcileTotal.WithLabels("shopinstance", "success").Value;
            if (now != last || op.Controller.Queue.Count > 0)
            {
                last = now;
                stableSince.Restart();
            }

            return stableSince.Elapsed > TimeSpan.FromMilliseconds(500);
        }, TimeSpan.FromSeconds(15), "operator quiet");
    }
}
