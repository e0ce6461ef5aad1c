using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit;

namespace KubeEmulator.Tests;

/// <summary>
/// The rules the emulator implements beyond the first conformance set: immutability, deletecollection,
/// delete preconditions, dry run, orphan propagation, finalizers on deleting objects, terminating namespaces,
/// watch start from "0" and watch label selectors, cluster-scoped CRDs, the lower schema bounds, and the
/// fault injection the operator tests rely on. Each test names its upstream source.
/// </summary>
public sealed class LifecycleAndFaultTests() : EmulatorTest(new EmulatorOptions { DeploymentControllerDelay = TimeSpan.FromMilliseconds(50) })
{

    private static V1ConfigMap Map(string name, IDictionary<string, string>? labels = null) =>
        new() { Metadata = new V1ObjectMeta { Name = name, Labels = labels } };

    private async Task<(HttpStatusCode Code, JsonObject Body)> SendAsync(HttpMethod method, string path, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonNode.Parse(text) as JsonObject ?? []);
    }

    /// <summary>Reads a watch stream until it ends (the request carries timeoutSeconds) and returns "TYPE name" lines.</summary>
    private async Task<List<string>> WatchEventsAsync(string pathAndQuery, Func<Task>? whileWatching = null)
    {
        using var response = await Http.GetAsync(pathAndQuery, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(stream);
        var reading = Task.Run(async () =>
        {
            var events = new List<string>();
            while (await reader.ReadLineAsync() is { } line)
            {
                var e = JsonNode.Parse(line)!;
                var type = e["type"]!.GetValue<string>();
                if (type != "BOOKMARK")
                {
                    events.Add($"{type} {e["object"]!["metadata"]!["name"]!.GetValue<string>()}");
                }
            }

            return events;
        });
        if (whileWatching is not null)
        {
            await whileWatching();
        }

        return await reading.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task ApiConventions_metadata_uid_is_immutable_on_update()
    {
        // ValidateObjectMetaUpdate: "metadata.uid: field is immutable" (422 Invalid).
        var map = await Client.CreateNamespacedConfigMapAsync(Map("uid"), "default");
        map.Metadata.Uid = Guid.NewGuid().ToString();

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => Client.ReplaceNamespacedConfigMapAsync(map, "uid", "default"));

        Assert.Equal((HttpStatusCode)422, e.Response.StatusCode);
        Assert.Contains("metadata.uid", e.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiConcepts_Deletecollection_deletes_only_what_the_selector_matches()
    {
        // API Concepts, "Collections": DELETE on a collection deletes every object matching the selectors.
        await Client.CreateNamespacedConfigMapAsync(Map("dc-a", new Dictionary<string, string> { ["batch"] = "x" }), "default");
        await Client.CreateNamespacedConfigMapAsync(Map("dc-b", new Dictionary<string, string> { ["batch"] = "x" }), "default");
        await Client.CreateNamespacedConfigMapAsync(Map("dc-c", new Dictionary<string, string> { ["batch"] = "y" }), "default");

        await Client.DeleteCollectionNamespacedConfigMapAsync("default", labelSelector: "batch=x");

        var left = (await Client.ListNamespacedConfigMapAsync("default", labelSelector: "batch")).Items.Select(m => m.Metadata.Name).ToList();
        Assert.Equal(["dc-c"], left);
        Assert.Equal(1, Emulator.RequestCounts.Get("deletecollection", "configmaps"));
    }

    [Fact]
    public async Task ApiConventions_Delete_with_a_stale_resourceVersion_precondition_is_409()
    {
        // DeleteOptions.preconditions.resourceVersion: the delete only happens on that version.
        var map = await Client.CreateNamespacedConfigMapAsync(Map("pre"), "default");
        map.Data = new Dictionary<string, string> { ["k"] = "v" };
        await Client.ReplaceNamespacedConfigMapAsync(map, "pre", "default");

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => Client.DeleteNamespacedConfigMapAsync(
            "pre", "default", new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = map.Metadata.ResourceVersion } }));

        Assert.Equal(HttpStatusCode.Conflict, e.Response.StatusCode);
        Assert.NotNull(await Client.ReadNamespacedConfigMapAsync("pre", "default"));
    }

    [Fact]
    public async Task ApiConcepts_DryRun_All_validates_but_stores_nothing()
    {
        // API Concepts, "Dry-run": the request is processed but not persisted.
        var before = (await Client.ListNamespacedConfigMapAsync("default")).Metadata.ResourceVersion;

        var answer = await Client.CreateNamespacedConfigMapAsync(Map("dry"), "default", dryRun: "All");

        Assert.Equal("dry", answer.Metadata.Name);
        var list = await Client.ListNamespacedConfigMapAsync("default", fieldSelector: "metadata.name=dry");
        Assert.Empty(list.Items);
        Assert.Equal(before, list.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task GarbageCollection_Orphan_keeps_dependents_and_removes_their_owner_reference()
    {
        // Garbage Collection, "Orphaned dependents": the owner goes, dependents stay without the reference.
        var owner = await Client.CreateNamespacedConfigMapAsync(Map("orph-owner"), "default");
        var reference = new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "orph-owner", Uid = owner.Metadata.Uid };
        await Client.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "orph-dep", OwnerReferences = [reference] } }, "default");

        await Client.DeleteNamespacedConfigMapAsync("orph-owner", "default", propagationPolicy: "Orphan");

        var dependent = await Poll.UntilAsync(
            () => Client.ReadNamespacedSecretAsync("orph-dep", "default"),
            s => s.Metadata.OwnerReferences is null or { Count: 0 },
            TimeSpan.FromSeconds(10));
        Assert.Empty(dependent.Metadata.OwnerReferences ?? []);
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => Client.ReadNamespacedConfigMapAsync("orph-owner", "default"));
        Assert.Equal(HttpStatusCode.NotFound, e.Response.StatusCode);
    }

    [Fact]
    public async Task Finalizers_No_new_finalizer_may_be_added_to_an_object_being_deleted()
    {
        // ValidateObjectMetaUpdate: "no new finalizers can be added if the object is being deleted".
        await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "fin", Finalizers = ["example.com/a"] } }, "default");
        await Client.DeleteNamespacedConfigMapAsync("fin", "default");
        var deleting = await Client.ReadNamespacedConfigMapAsync("fin", "default");
        Assert.NotNull(deleting.Metadata.DeletionTimestamp);

        deleting.Metadata.Finalizers = ["example.com/a", "example.com/b"];
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => Client.ReplaceNamespacedConfigMapAsync(deleting, "fin", "default"));
        Assert.Equal((HttpStatusCode)422, e.Response.StatusCode);

        deleting.Metadata.Finalizers = [];
        await Client.ReplaceNamespacedConfigMapAsync(deleting, "fin", "default");
        var gone = await Assert.ThrowsAsync<HttpOperationException>(() => Client.ReadNamespacedConfigMapAsync("fin", "default"));
        Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);
    }

    [Fact]
    public async Task Namespaces_Creating_in_a_terminating_namespace_is_403_Forbidden()
    {
        // Namespace lifecycle admission: "unable to create new content in namespace ... because it is being terminated".
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "ending" } });
        await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "held", Finalizers = ["example.com/hold"] } }, "ending");
        await Client.DeleteNamespaceAsync("ending");

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CreateNamespacedConfigMapAsync(Map("late"), "ending"));

        Assert.Equal(HttpStatusCode.Forbidden, e.Response.StatusCode);
        Assert.Contains("terminat", e.Response.Content, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ApiConcepts_Watch_from_resourceVersion_0_starts_with_the_current_state()
    {
        // API Concepts, "Semantics for watch": resourceVersion "0" starts at any state, delivered as ADDED events.
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "w0" } });
        await Client.CreateNamespacedConfigMapAsync(Map("w0-a"), "w0");
        await Client.CreateNamespacedConfigMapAsync(Map("w0-b"), "w0");

        var events = await WatchEventsAsync("/api/v1/namespaces/w0/configmaps?watch=1&resourceVersion=0&timeoutSeconds=1");

        Assert.Equal(["ADDED w0-a", "ADDED w0-b"], events.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ApiConcepts_Watch_with_a_label_selector_sees_only_matching_objects_and_DELETED_when_one_stops_matching()
    {
        // A selector-filtered watch reports an object that no longer matches as DELETED (the watch cache filter).
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "wsel" } });
        var rv = (await Client.ListNamespacedConfigMapAsync("wsel")).Metadata.ResourceVersion;

        var events = await WatchEventsAsync(
            $"/api/v1/namespaces/wsel/configmaps?watch=1&resourceVersion={rv}&labelSelector=tier%3Dweb&timeoutSeconds=2",
            async () =>
            {
                await Client.CreateNamespacedConfigMapAsync(Map("sel-web", new Dictionary<string, string> { ["tier"] = "web" }), "wsel");
                await Client.CreateNamespacedConfigMapAsync(Map("sel-api", new Dictionary<string, string> { ["tier"] = "api" }), "wsel");
                var web = await Client.ReadNamespacedConfigMapAsync("sel-web", "wsel");
                web.Metadata.Labels["tier"] = "api";
                await Client.ReplaceNamespacedConfigMapAsync(web, "sel-web", "wsel");
            });

        Assert.Equal(["ADDED sel-web", "DELETED sel-web"], events);
    }

    [Fact]
    public async Task FieldSelectors_Events_by_involvedObject_and_type_as_kubectl_describe_lists_them()
    {
        // The Event registry's field labels (involvedObject.*, reason, type, source, ...): kubectl describe
        // lists an object's Events with involvedObject.name/namespace/kind/uid.
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "evs" } });
        Corev1Event Event(string name, string target, string type) => new()
        {
            Metadata = new V1ObjectMeta { Name = name },
            InvolvedObject = new V1ObjectReference { Kind = "ShopInstance", Name = target, NamespaceProperty = "evs", Uid = target + "-uid" },
            Type = type,
            Reason = "RolloutStarted",
            Message = "m",
        };
        await Client.CoreV1.CreateNamespacedEventAsync(Event("e1", "demo", "Normal"), "evs");
        await Client.CoreV1.CreateNamespacedEventAsync(Event("e2", "demo", "Warning"), "evs");
        await Client.CoreV1.CreateNamespacedEventAsync(Event("e3", "other", "Warning"), "evs");

        var forDemo = await Client.CoreV1.ListNamespacedEventAsync("evs", fieldSelector: "involvedObject.name=demo,involvedObject.namespace=evs,involvedObject.kind=ShopInstance,involvedObject.uid=demo-uid");
        var warnings = await Client.CoreV1.ListNamespacedEventAsync("evs", fieldSelector: "type=Warning");
        var notDemo = await Client.CoreV1.ListNamespacedEventAsync("evs", fieldSelector: "involvedObject.name!=demo");

        Assert.Equal(["e1", "e2"], forDemo.Items.Select(e => e.Metadata.Name));
        Assert.Equal(["e2", "e3"], warnings.Items.Select(e => e.Metadata.Name));
        Assert.Equal(["e3"], notDemo.Items.Select(e => e.Metadata.Name));
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => Client.ListNamespacedConfigMapAsync("evs", fieldSelector: "type=Warning"));
        Assert.Equal(HttpStatusCode.BadRequest, e.Response.StatusCode);
    }

    [Fact]
    public async Task FieldSelectors_A_watch_by_metadata_name_sees_only_that_object()
    {
        // kubectl wait watches one object with fieldSelector=metadata.name=<name>.
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "wfs" } });
        var rv = (await Client.ListNamespacedConfigMapAsync("wfs")).Metadata.ResourceVersion;

        var events = await WatchEventsAsync(
            $"/api/v1/namespaces/wfs/configmaps?watch=1&resourceVersion={rv}&fieldSelector=metadata.name%3Dmine&timeoutSeconds=2",
            async () =>
            {
                await Client.CreateNamespacedConfigMapAsync(Map("other"), "wfs");
                await Client.CreateNamespacedConfigMapAsync(Map("mine"), "wfs");
            });

        Assert.Equal(["ADDED mine"], events);
    }

    private static JsonObject GadgetCrd() => JsonNode.Parse("""
        {
          "apiVersion": "apiextensions.k8s.io/v1",
          "kind": "CustomResourceDefinition",
          "metadata": { "name": "gadgets.test.example.com" },
          "spec": {
            "group": "test.example.com",
            "scope": "Cluster",
            "names": { "plural": "gadgets", "singular": "gadget", "kind": "Gadget", "listKind": "GadgetList" },
            "versions": [{
              "name": "v1", "served": true, "storage": true,
              "schema": { "openAPIV3Schema": {
                "type": "object",
                "properties": { "spec": {
                  "type": "object",
                  "properties": {
                    "count": { "type": "integer", "minimum": 1 },
                    "code": { "type": "string", "minLength": 3 },
                    "parts": { "type": "array", "minItems": 1, "items": { "type": "string" } }
                  }
                } }
              } }
            }]
          }
        }
        """)!.AsObject();

    [Fact]
    public async Task Crd_Cluster_scoped_resources_are_served_without_a_namespace_and_lower_bounds_are_enforced()
    {
        // CustomResourceDefinition scope Cluster: /apis/{group}/{version}/{plural}/{name}; OpenAPI minimum, minLength, minItems.
        var (crdCode, _) = await SendAsync(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", GadgetCrd());
        Assert.Equal(HttpStatusCode.Created, crdCode);
        JsonObject Gadget(string name, int count, string code, params string[] parts) => new()
        {
            ["apiVersion"] = "test.example.com/v1",
            ["kind"] = "Gadget",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject { ["count"] = count, ["code"] = code, ["parts"] = new JsonArray([.. parts.Select(p => (JsonNode?)p)]) },
        };

        var (okCode, ok) = await SendAsync(HttpMethod.Post, "/apis/test.example.com/v1/gadgets", Gadget("g1", 1, "abc", "x"));
        Assert.Equal(HttpStatusCode.Created, okCode);
        Assert.Null(ok["metadata"]!["namespace"]);
        var (getCode, _) = await SendAsync(HttpMethod.Get, "/apis/test.example.com/v1/gadgets/g1");
        Assert.Equal(HttpStatusCode.OK, getCode);

        var (badCode, bad) = await SendAsync(HttpMethod.Post, "/apis/test.example.com/v1/gadgets", Gadget("g2", 0, "ab"));
        Assert.Equal((HttpStatusCode)422, badCode);
        var fields = bad["details"]!["causes"]!.AsArray().Select(c => c!["field"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["spec.code", "spec.count", "spec.parts"], fields);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(409)]
    public async Task Faults_FailNext_answers_that_status_count_times_then_serves_normally(int status)
    {
        await Client.CreateNamespacedConfigMapAsync(Map($"f{status}"), "default");
        Emulator.Faults.FailNext("get", "configmaps", status, count: 2);

        for (var i = 0; i < 2; i++)
        {
            var e = await Assert.ThrowsAsync<HttpOperationException>(() => Client.ReadNamespacedConfigMapAsync($"f{status}", "default"));
            Assert.Equal((HttpStatusCode)status, e.Response.StatusCode);
            Assert.Equal("Status", JsonNode.Parse(e.Response.Content)!["kind"]!.GetValue<string>());
        }

        Assert.Equal($"f{status}", (await Client.ReadNamespacedConfigMapAsync($"f{status}", "default")).Metadata.Name);
        Assert.Equal(2, Emulator.RequestCounts.Get("get", "configmaps", status));
    }

    [Fact]
    public async Task Faults_Latency_delays_every_answer()
    {
        Emulator.Faults.Latency = TimeSpan.FromMilliseconds(300);
        try
        {
            var clock = Stopwatch.StartNew();
            await Client.ListNamespacedConfigMapAsync("default");
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(290), $"answered after {clock.Elapsed.TotalMilliseconds} ms");
        }
        finally
        {
            Emulator.Faults.Latency = TimeSpan.Zero;
        }
    }
}
