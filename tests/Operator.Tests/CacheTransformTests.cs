using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using ShopOperator.Kube;
using ShopOperator.Model;
using ShopOperator.Runtime;

namespace Operator.Tests;

/// <summary>
/// The cache keeps what reconciles read, not what the API server stores: controller-runtime's cache transforms
/// (TransformStripManagedFields) and client-go's pager (limit + continue), checked against the decisions they
/// must not change.
/// </summary>
public sealed class CacheTransformTests
{
    private const string ShopUid = "0b0c4f1e-0000-4000-8000-000000000001";
    private const string Image = "ghcr.io/example/shop@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    private static IReadOnlyList<JsonObject> Desired()
    {
        var shop = new JsonObject
        {
            ["apiVersion"] = "shop.example.com/v1alpha1",
            ["kind"] = "ShopInstance",
            ["metadata"] = new JsonObject { ["name"] = "demo", ["namespace"] = "shop-dev", ["uid"] = ShopUid, ["generation"] = 1 },
            ["spec"] = new JsonObject
            {
                ["image"] = Image,
                ["host"] = "shop.example.com",
                ["database"] = new JsonObject { ["connectionSecretRef"] = new JsonObject { ["name"] = "shop-db" } },
            },
        };
        return DesiredState.Build(ShopInstance.FromJson(shop), Image, Image);
    }

    /// <summary>What a real API server stores for one of our writes: server fields, managedFields, a kubectl annotation, status.</summary>
    private static JsonObject AsStored(JsonObject desired, int rv)
    {
        var live = (JsonObject)desired.DeepClone();
        var metadata = live["metadata"]!.AsObject();
        metadata["uid"] = $"00000000-0000-4000-8000-{rv:D12}";
        metadata["resourceVersion"] = rv.ToString(System.Globalization.CultureInfo.InvariantCulture);
        metadata["creationTimestamp"] = "2026-11-29T09:00:00Z";
        var annotations = metadata["annotations"] as JsonObject ?? [];
        annotations[CacheTransform.LastAppliedAnnotation] = desired.ToJsonString();
        metadata["annotations"] = annotations;
        metadata["managedFields"] = new JsonArray(
            new JsonObject
            {
                ["manager"] = "shop-operator",
                ["operation"] = "Update",
                ["apiVersion"] = desired["apiVersion"]!.GetValue<string>(),
                ["time"] = "2026-11-29T09:00:00Z",
                ["fieldsType"] = "FieldsV1",
                ["fieldsV1"] = new JsonObject { ["f:metadata"] = new JsonObject { ["f:labels"] = new JsonObject { ["."] = new JsonObject() } }, ["f:spec"] = new JsonObject { ["."] = new JsonObject() } },
            });
        if (live["kind"]!.GetValue<string>() == "Deployment")
        {
            live["status"] = new JsonObject { ["observedGeneration"] = 1, ["replicas"] = 2, ["readyReplicas"] = 2, ["availableReplicas"] = 2, ["updatedReplicas"] = 2 };
        }

        return live;
    }

    /// <summary>The child applier's decision for each child: unchanged (our fields are a subset of live) or write.</summary>
    private static string[] Plan(IReadOnlyList<JsonObject> desired, IReadOnlyList<JsonObject> live) =>
        [.. desired.Zip(live, (d, l) => $"{d["kind"]}/{d["metadata"]!["name"]}: {(JsonCompare.IsSubset(d, l) ? "unchanged" : "write")}")];

    [Fact]
    public void A_transformed_child_drives_the_same_plan_as_the_full_object()
    {
        var desired = Desired();
        var full = desired.Select((d, i) => AsStored(d, 100 + i)).ToList();
        var transformed = full.Select(o => CacheTransform.Owned((JsonObject)o.DeepClone())).ToList();

        // Golden: every child as we wrote it is unchanged, from the full object and from the cached form.
        var plan = Plan(desired, full);
        Assert.All(plan, p => Assert.EndsWith(": unchanged", p));
        Assert.Equal(plan, Plan(desired, transformed));

        // Drift a Deployment's image on the server: both forms see the same write.
        var drifted = full.Select(o => (JsonObject)o.DeepClone()).ToList();
        var deployment = drifted.First(o => o["kind"]!.GetValue<string>() == "Deployment");
        deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "ghcr.io/example/shop@sha256:" + new string('b', 64);
        var driftedPlan = Plan(desired, drifted);
        Assert.Contains(driftedPlan, p => p.EndsWith(": write", StringComparison.Ordinal));
        Assert.Equal(driftedPlan, Plan(desired, [.. drifted.Select(o => CacheTransform.Owned((JsonObject)o.DeepClone()))]));

        // What went, and what stayed for readiness and ownership.
        Assert.All(transformed, o => Assert.Null(o["metadata"]!["managedFields"]));
        Assert.All(transformed, o => Assert.Null(o["metadata"]!["annotations"]?[CacheTransform.LastAppliedAnnotation]));
        Assert.All(transformed, o => Assert.NotNull(o["metadata"]!["ownerReferences"]));
        var cachedDeployment = transformed.First(o => o["kind"]?.GetValue<string>() == "Deployment");
        Assert.Equal(2, cachedDeployment["status"]?["readyReplicas"]?.GetValue<int>());
        Assert.True(transformed.Sum(o => o.ToJsonString().Length) * 2 < full.Sum(o => o.ToJsonString().Length), "the cached form should be well under half the stored size");
    }

    [Fact]
    public void The_primary_keeps_kubectls_annotation_because_it_is_written_back_whole()
    {
        var shop = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = "demo",
                ["annotations"] = new JsonObject { [CacheTransform.LastAppliedAnnotation] = "{}" },
                ["managedFields"] = new JsonArray(new JsonObject { ["manager"] = "kubectl" }),
            },
        };

        var cached = CacheTransform.Primary(shop);

        Assert.Null(cached["metadata"]!["managedFields"]);
        Assert.Equal("{}", cached["metadata"]!["annotations"]![CacheTransform.LastAppliedAnnotation]!.GetValue<string>());
    }

    [Fact]
    public async Task A_list_with_continue_tokens_fills_the_cache_completely_and_indexes_children_by_owner()
    {
        await using var server = await ScriptedApiServer.StartAsync();
        var informer = new Informer(
            new KubeApi(server.Client()),
            ResourceKind.Secret,
            "ns",
            ClusterCache.ManagedBySelector,
            new InformerTimings(TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(50)),
            TimeProvider.System,
            NullLogger.Instance,
            (_, _) => { },
            CacheTransform.Owned);
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);

        static string Secret(int i) =>
            $$$"""{"metadata":{"name":"s{{{i}}}","namespace":"ns","resourceVersion":"{{{i}}}","managedFields":[{"manager":"shop-operator"}],"ownerReferences":[{"apiVersion":"shop.example.com/v1alpha1","kind":"ShopInstance","name":"shop{{{i % 3}}}","uid":"u{{{i % 3}}}","controller":true}]}}""";
        static string Page(int from, int to, string next) =>
            $$$"""{"kind":"SecretList","apiVersion":"v1","metadata":{"resourceVersion":"900","continue":"{{{next}}}"},"items":[{{{string.Join(",", Enumerable.Range(from, to - from).Select(Secret))}}}]}""";
        static Task Json(HttpContext c, string body)
        {
            c.Response.ContentType = "application/json";
            return c.Response.WriteAsync(body);
        }

        var first = await server.AnswerAsync(c => Json(c, Page(0, 4, "token-1")));
        var second = await server.AnswerAsync(c => Json(c, Page(4, 8, "token-2")));
        var last = await server.AnswerAsync(c => Json(c, Page(8, 10, "")));
        var (watch, lines) = await server.OpenWatchAsync();

        Assert.Contains("limit=" + Informer.ListPageSize, first);
        Assert.DoesNotContain("continue=", first);
        Assert.Contains("continue=token-1", second);
        Assert.Contains("continue=token-2", last);
        Assert.Contains("resourceVersion=900", watch);
        Assert.Equal(1, informer.ListCount);
        Assert.Equal(10, informer.Count);
        Assert.True(informer.HasSynced);
        Assert.Null(informer.Get("ns", "s9")!["metadata"]!["managedFields"]);
        Assert.Equal(["s1", "s4", "s7"], informer.NamesOwnedBy("ns/shop1").Order(StringComparer.Ordinal));

        // A deletion leaves the owner index too.
        await lines.Writer.WriteAsync($$"""{"type":"DELETED","object":{{Secret(4)}}}""");
        await Poll.UntilAsync(() => informer.Count == 9);
        Assert.Equal(["s1", "s7"], informer.NamesOwnedBy("ns/shop1").Order(StringComparer.Ordinal));

        // A change of the same object keeps one entry; a new controller owner moves it (the index keeps a small
        // array per owner, replaced whole).
        await lines.Writer.WriteAsync($$"""{"type":"MODIFIED","object":{{Secret(7).Replace("\"resourceVersion\":\"7\"", "\"resourceVersion\":\"950\"", StringComparison.Ordinal)}}}""");
        await Poll.UntilAsync(() => informer.VersionOf("ns", "s7") == "950");
        Assert.Equal([("ns/s1", "1"), ("ns/s7", "950")], informer.VersionsOwnedBy("ns/shop1").Order());
        await lines.Writer.WriteAsync($$"""{"type":"MODIFIED","object":{{Secret(1).Replace("shop1", "shop2", StringComparison.Ordinal).Replace("\"resourceVersion\":\"1\"", "\"resourceVersion\":\"951\"", StringComparison.Ordinal)}}}""");
        await Poll.UntilAsync(() => informer.VersionOf("ns", "s1") == "951");
        Assert.Equal(["s7"], informer.NamesOwnedBy("ns/shop1"));
        Assert.Equal(["s1", "s2", "s5", "s8"], informer.NamesOwnedBy("ns/shop2").Order(StringComparer.Ordinal));

        await cts.CancelAsync();
        lines.Writer.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
