using System.Diagnostics;
using System.Text.Json.Nodes;
using k8s;
using ShopOperator.Kube;
using Xunit.Abstractions;

namespace Operator.Tests;

/// <summary>
/// Situations a cluster admin meets (issue 11), with tiers at 0 replicas so that no image has to run: one body
/// each, run against the emulator (Emulator/ClusterAdminTests) and against k3s wherever a Docker engine answers.
/// </summary>
public static class ClusterAdminScenarios
{
    private static async Task<(TestKube Kube, OperatorInstance Operator)> StartAsync(KubernetesClientConfiguration config, string ns, ITestOutputHelper output, bool withConnectionSecret = true)
    {
        var kube = new TestKube(new Kubernetes(config));
        if (withConnectionSecret)
        {
            await kube.CreateShopNamespaceAsync(ns);
        }
        else
        {
            await kube.CreateNamespaceAsync(ns, withConnectionSecret: false);
        }

        var op = await OperatorInstance.StartAsync(config, OperatorInstance.TestOptions() with { WatchNamespaces = [ns] }, new XunitOutput(output));
        return (kube, op);
    }

    /// <summary>
    /// A Deployment squat-web that someone else made holds the name of shop squat's web tier. It is never adopted
    /// (no ownerReference added, its selector untouched): the shop says Ready=False/Stalled=True ChildRejected naming
    /// it, with a Warning Event, while every other child is applied. Once it is deleted the shop heals.
    /// </summary>
    public static async Task ForeignChildIsReportedAndNotAdoptedAsync(KubernetesClientConfiguration config, string ns, ITestOutputHelper output, TimeSpan timeout)
    {
        var (kube, op) = await StartAsync(config, ns, output);
        await using var _ = op;
        await kube.Api.CreateAsync(ResourceKind.Deployment, ns, ForeignDeployment(ns, "squat-web"), CancellationToken.None);

        await kube.CreateAsync(TestKube.Shop(ns, "squat", replicas: 0));

        var shop = await kube.WaitForConditionAsync(ns, "squat", "Ready", "False", timeout, reason: "ChildRejected");
        var message = TestKube.Condition(shop, "Ready")!["message"]!.GetValue<string>();
        Assert.Contains("Deployment squat-web", message, StringComparison.Ordinal);
        Assert.Equal("True", TestKube.ConditionStatus(shop, "Stalled"));
        Assert.Equal("ChildRejected", TestKube.ConditionReason(shop, "Stalled"));
        Assert.Equal(shop["metadata"]!["generation"]!.GetValue<long>(), shop["status"]!["observedGeneration"]!.GetValue<long>());

        var events = await Poll.UntilAsync(
            async () =>
            {
                var list = await kube.Api.ListAsync(ResourceKind.Event, ns, null, CancellationToken.None);
                return list.Items.FirstOrDefault(e => e["reason"]?.GetValue<string>() == "ChildRejected" && e["type"]?.GetValue<string>() == "Warning");
            },
            timeout,
            "a Warning Event ChildRejected");
        Assert.Contains("squat-web", events["message"]!.GetValue<string>(), StringComparison.Ordinal);

        var squatter = await kube.GetAsync(ResourceKind.Deployment, ns, "squat-web");
        Assert.Null(squatter!["metadata"]!["ownerReferences"]);
        Assert.Equal("squatter", squatter["spec"]!["selector"]!["matchLabels"]!["app"]!.GetValue<string>());

        // Every other child is applied; the NetworkPolicies before the Deployments they protect.
        foreach (var (kind, suffix) in TestKube.Children.Where(c => !(c.Kind == ResourceKind.Deployment && c.Suffix == "-web") && c.Kind != ResourceKind.PodDisruptionBudget))
        {
            Assert.NotNull(await Poll.UntilAsync(() => kube.TryGetAsync(kind, ns, "squat" + suffix), timeout, $"{kind.Kind} squat{suffix}"));
        }

        await kube.DeleteAsync(ResourceKind.Deployment, ns, "squat-web");
        await kube.WaitForConditionAsync(ns, "squat", "Ready", "True", timeout);
        var web = await kube.GetAsync(ResourceKind.Deployment, ns, "squat-web");
        Assert.Equal("squat", web!["metadata"]!["ownerReferences"]![0]!["name"]!.GetValue<string>());
    }

    /// <summary>
    /// A ShopInstance whose connection Secret does not exist yet: DatabaseReady=False SecretMissing names it,
    /// Ready=False DatabaseNotReady, and the api Deployment is not created. The Secret's creation (watched, mapped to
    /// the shop) heals it within seconds. Returns the time from the Secret's creation to Ready=True.
    /// </summary>
    public static async Task<TimeSpan> LateSecretHealsTheShopAsync(KubernetesClientConfiguration config, string ns, ITestOutputHelper output, TimeSpan timeout)
    {
        var (kube, op) = await StartAsync(config, ns, output, withConnectionSecret: false);
        await using var _ = op;
        await kube.CreateAsync(TestKube.Shop(ns, "late", replicas: 0));

        var shop = await kube.WaitForConditionAsync(ns, "late", "DatabaseReady", "False", timeout, reason: "SecretMissing");
        Assert.Contains("shop-db", TestKube.Condition(shop, "DatabaseReady")!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        shop = await kube.WaitForConditionAsync(ns, "late", "Ready", "False", timeout, reason: "DatabaseNotReady");
        Assert.Contains("shop-db", TestKube.Condition(shop, "Ready")!["message"]!.GetValue<string>(), StringComparison.Ordinal);

        // The message leads with the diagnose flow's failing step (issue 15) and ends with the command to run.
        var ready = await Poll.UntilAsync(
            async () => TestKube.Condition(await kube.GetAsync(ResourceKind.ShopInstance, ns, "late"), "Ready")?["message"]?.GetValue<string>() is { } m
                && m.StartsWith("PodsReady: Deployment late-api not found: the operator creates it once its database Secret shop-db exists; the database is not ready (SecretMissing)", StringComparison.Ordinal) ? m : null,
            timeout,
            "Ready's message names the PodsReady step");
        Assert.EndsWith($"; run `kubectl shop diagnose late -n {ns}`", ready, StringComparison.Ordinal);
        Assert.NotNull(await Poll.UntilAsync(() => kube.TryGetAsync(ResourceKind.Deployment, ns, "late-web"), timeout, "web Deployment"));
        Assert.Null(await kube.TryGetAsync(ResourceKind.Deployment, ns, "late-api"));

        var created = Stopwatch.StartNew();
        await kube.CreateConnectionSecretAsync(ns);
        await kube.WaitForConditionAsync(ns, "late", "Ready", "True", timeout);
        var elapsed = created.Elapsed;
        output.WriteLine($"Secret created → Ready=True: {elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal("True", TestKube.ConditionStatus(await kube.GetAsync(ResourceKind.ShopInstance, ns, "late"), "DatabaseReady"));
        Assert.NotNull(await kube.TryGetAsync(ResourceKind.Deployment, ns, "late-api"));
        return elapsed;
    }

    /// <summary>
    /// Fields the operator stops applying disappear (server-side apply, field manager shop-operator): on a shop like
    /// demo-full, removing spec.tls, setting ingress.rateLimitPerSecond to 0 and removing database.egress leaves the
    /// Ingress without its TLS block and both annotations and the api NetworkPolicy without its ipBlock, while an
    /// annotation an admin added to the Ingress stays.
    /// </summary>
    public static async Task RemovedFieldsDisappearAsync(KubernetesClientConfiguration config, string ns, ITestOutputHelper output, TimeSpan timeout)
    {
        var (kube, op) = await StartAsync(config, ns, output);
        await using var _ = op;
        var full = TestKube.Shop(ns, "full", replicas: 0);
        full["spec"]!["tls"] = new JsonObject { ["secretName"] = "full-tls", ["clusterIssuer"] = "letsencrypt-staging" };
        full["spec"]!["ingress"] = new JsonObject { ["className"] = "nginx", ["rateLimitPerSecond"] = 20 };
        await kube.CreateAsync(full);
        await kube.WaitForConditionAsync(ns, "full", "Ready", "True", timeout);

        var ingress = await kube.GetAsync(ResourceKind.Ingress, ns, "full");
        Assert.NotNull(ingress!["spec"]!["tls"]);
        // The rate limit and the cluster issuer, besides the hash of what the operator applied.
        Assert.Equal(2, ingress["metadata"]!["annotations"]!.AsObject().Count(a => a.Key != ShopOperator.Reconcile.ChildApplier.AppliedHashAnnotation));
        Assert.Contains("ipBlock", (await kube.GetAsync(ResourceKind.NetworkPolicy, ns, "full-api"))!.ToJsonString(), StringComparison.Ordinal);
        await kube.UpdateAsync(ResourceKind.Ingress, ns, "full", i => i["metadata"]!["annotations"]!["team.example.com/note"] = "added by an admin");

        await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "full", s =>
        {
            s["spec"]!.AsObject().Remove("tls");
            s["spec"]!["ingress"]!["rateLimitPerSecond"] = 0;
            s["spec"]!["database"]!.AsObject().Remove("egress");
        });

        var pending = new List<string>();
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    var ing = await kube.GetAsync(ResourceKind.Ingress, ns, "full");
                    var policy = await kube.GetAsync(ResourceKind.NetworkPolicy, ns, "full-api");
                    var annotations = ing!["metadata"]!["annotations"] as JsonObject;
                    pending =
                    [
                        .. ing["spec"]!["tls"] is null ? Array.Empty<string>() : ["Ingress spec.tls"],
                        .. annotations?.Any(a => a.Key.StartsWith("nginx.ingress.kubernetes.io/", StringComparison.Ordinal)) == true ? ["Ingress rate-limit annotation"] : Array.Empty<string>(),
                        .. annotations?.ContainsKey("cert-manager.io/cluster-issuer") == true ? ["Ingress cluster-issuer annotation"] : Array.Empty<string>(),
                        .. policy!.ToJsonString().Contains("ipBlock", StringComparison.Ordinal) ? ["NetworkPolicy ipBlock"] : Array.Empty<string>(),
                    ];
                    return pending.Count == 0 ? ing : null;
                },
                timeout,
                "removed fields gone");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + ": still there: " + string.Join(", ", pending), e);
        }

        var after = await kube.GetAsync(ResourceKind.Ingress, ns, "full");
        Assert.Equal("added by an admin", after!["metadata"]!["annotations"]!["team.example.com/note"]!.GetValue<string>());
        await kube.WaitForConditionAsync(ns, "full", "Ready", "True", timeout);
    }

    /// <summary>
    /// An HPA's replicas are kept when spec.web.replicas is left unset (server-side apply: "Transferring ownership",
    /// a field the applier leaves out stays with its owner): the operator never applies the count, so another manager
    /// ("hpa", as kube-controller-manager writes for an HPA) sets spec.replicas 5 without a conflict, and a pass that
    /// re-applies the Deployment (its resources changed) keeps 5. Once the spec sets replicas: 3 the operator owns
    /// the field again (force) and the Deployment has 3.
    /// </summary>
    public static async Task UnsetReplicasAreLeftToAnotherManagerAsync(KubernetesClientConfiguration config, string ns, ITestOutputHelper output, TimeSpan timeout)
    {
        var (kube, op) = await StartAsync(config, ns, output);
        await using var _ = op;
        var shop = TestKube.Shop(ns, "hpa", replicas: 0);
        shop["spec"]!["web"]!.AsObject().Remove("replicas");
        await kube.CreateAsync(shop);

        var created = await Poll.UntilAsync(() => kube.TryGetAsync(ResourceKind.Deployment, ns, "hpa-web"), timeout, "Deployment hpa-web");
        Assert.Equal(1, created["spec"]!["replicas"]!.GetValue<int>()); // the Deployment's own default
        Assert.NotNull(await Poll.UntilAsync(() => kube.TryGetAsync(ResourceKind.PodDisruptionBudget, ns, "hpa-web"), timeout, "PodDisruptionBudget hpa-web"));

        // Without force: a 409 here would mean the operator owns spec.replicas.
        await kube.Api.ApplyAsync(ResourceKind.Deployment, ns, "hpa-web", Scale("hpa-web", 5), "hpa", CancellationToken.None, force: false);

        await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "hpa", s =>
            s["spec"]!["web"]!["resources"] = new JsonObject { ["limits"] = new JsonObject { ["cpu"] = "2", ["memory"] = "512Mi" } });
        var reapplied = await Poll.UntilAsync(
            async () => await kube.GetAsync(ResourceKind.Deployment, ns, "hpa-web") is { } d
                && d["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["limits"]!["memory"]!.GetValue<string>() == "512Mi" ? d : null,
            timeout,
            "the operator re-applied hpa-web");
        Assert.Equal(5, reapplied["spec"]!["replicas"]!.GetValue<int>());
        Assert.Contains(reapplied["metadata"]!["managedFields"]!.AsArray(), m => m!["manager"]!.GetValue<string>() == "hpa");

        await kube.UpdateAsync(ResourceKind.ShopInstance, ns, "hpa", s => s["spec"]!["web"]!["replicas"] = 3);
        await Poll.UntilAsync(
            async () => await kube.GetAsync(ResourceKind.Deployment, ns, "hpa-web") is { } d && d["spec"]!["replicas"]!.GetValue<int>() == 3 ? d : null,
            timeout,
            "spec.web.replicas 3 applied over the other manager's 5");
    }

    private static JsonObject Scale(string name, int replicas) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject { ["replicas"] = replicas },
    };

    private static JsonObject ForeignDeployment(string ns, string name) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = new JsonObject { ["app"] = "squatter" } },
        ["spec"] = new JsonObject
        {
            ["replicas"] = 0,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "squatter" } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "squatter" } },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "squatter", ["image"] = "registry.example.com/squatter@sha256:" + new string('d', 64) }) },
            },
        },
    };
}
