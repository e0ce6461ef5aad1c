using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit;

namespace KubeEmulator.Tests;

/// <summary>Each test cites the upstream rule ("API Concepts", "API Conventions", "Garbage Collection", "Finalizers") it checks.</summary>
public sealed class ConformanceTests() : EmulatorTest(new EmulatorOptions { DeploymentControllerDelay = TimeSpan.FromMilliseconds(50), WatchHistoryWindow = 1000 })
{
    private static readonly string WidgetCrd = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "testdata", "widgets-crd.yaml"));
    private const string Digest = "ghcr.io/example/shop@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private async Task InstallWidgetsAsync()
    {
        var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(WidgetCrd);
        await Client.CreateCustomResourceDefinitionAsync(crd);
    }

    private static JsonObject Widget(string name, JsonObject? spec = null) => new()
    {
        ["apiVersion"] = "test.example.com/v1",
        ["kind"] = "Widget",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = spec ?? new JsonObject { ["image"] = Digest },
    };

    private async Task<(HttpStatusCode Code, JsonObject Body)> SendAsync(HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonNode.Parse(text) as JsonObject ?? []);
    }

    private const string Widgets = "/apis/test.example.com/v1/namespaces/default/widgets";

    [Fact]
    public async Task ApiConcepts_Create_sets_uid_creationTimestamp_and_a_global_resourceVersion()
    {
        var a = await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a" } }, "default");
        var b = await Client.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "b" } }, "default");
        Assert.False(string.IsNullOrEmpty(a.Metadata.Uid));
        Assert.NotNull(a.Metadata.CreationTimestamp);
        Assert.True(long.Parse(b.Metadata.ResourceVersion) > long.Parse(a.Metadata.ResourceVersion), "one counter across kinds");
    }

    [Fact]
    public async Task ApiConcepts_GenerateName_makes_a_unique_name()
    {
        var cm = await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { GenerateName = "gen-" } }, "default");
        Assert.StartsWith("gen-", cm.Metadata.Name, StringComparison.Ordinal);
        Assert.True(cm.Metadata.Name.Length > 4);
    }

    [Fact]
    public async Task ApiConventions_AlreadyExists_is_409_and_missing_is_404_Status()
    {
        await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "dup" } }, "default");
        var dup = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "dup" } }, "default"));
        Assert.Equal(HttpStatusCode.Conflict, dup.Response.StatusCode);
        Assert.Contains("AlreadyExists", dup.Response.Content, StringComparison.Ordinal);
        var (code, body) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps/none");
        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Equal("Status", body["kind"]!.GetValue<string>());
        Assert.Equal("NotFound", body["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task ApiConcepts_Stale_resourceVersion_update_is_409_Conflict()
    {
        var cm = await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" }, Data = new Dictionary<string, string> { ["k"] = "1" } }, "default");
        var stale = cm.Metadata.ResourceVersion;
        cm.Data["k"] = "2";
        await Client.ReplaceNamespacedConfigMapAsync(cm, "c", "default");
        cm.Metadata.ResourceVersion = stale;
        cm.Data["k"] = "3";
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => Client.ReplaceNamespacedConfigMapAsync(cm, "c", "default"));
        Assert.Equal(HttpStatusCode.Conflict, e.Response.StatusCode);
    }

    [Fact]
    public async Task ApiConcepts_NoOp_update_keeps_resourceVersion_and_emits_no_event()
    {
        var cm = await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "n" }, Data = new Dictionary<string, string> { ["k"] = "1" } }, "default");
        var same = await Client.ReplaceNamespacedConfigMapAsync(cm, "n", "default");
        Assert.Equal(cm.Metadata.ResourceVersion, same.Metadata.ResourceVersion);
        var (_, list) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps");
        Assert.Equal(cm.Metadata.ResourceVersion, list["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task ApiConcepts_Update_of_custom_resource_without_resourceVersion_is_422()
    {
        await InstallWidgetsAsync();
        var (created, _) = await SendAsync(HttpMethod.Post, Widgets, Widget("w"));
        Assert.Equal(HttpStatusCode.Created, created);
        var (code, body) = await SendAsync(HttpMethod.Put, Widgets + "/w", Widget("w"));
        Assert.Equal((HttpStatusCode)422, code);
        Assert.Equal("Invalid", body["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task ApiConventions_Generation_moves_on_spec_only_and_status_subresource_splits_writes()
    {
        await InstallWidgetsAsync();
        var (_, w) = await SendAsync(HttpMethod.Post, Widgets, Widget("g"));
        Assert.Equal(1, w["metadata"]!["generation"]!.GetValue<long>());

        // Main resource ignores status.
        w["status"] = new JsonObject { ["observedGeneration"] = 1 };
        w["metadata"]!["labels"] = new JsonObject { ["x"] = "y" };
        var (_, w2) = await SendAsync(HttpMethod.Put, Widgets + "/g", w);
        Assert.Null(w2["status"]);
        Assert.Equal(1, w2["metadata"]!["generation"]!.GetValue<long>());

        // /status ignores everything else.
        w2["status"] = new JsonObject { ["observedGeneration"] = 1 };
        w2["spec"]!["size"] = 5;
        var (_, w3) = await SendAsync(HttpMethod.Put, Widgets + "/g/status", w2);
        Assert.Equal(1, w3["status"]!["observedGeneration"]!.GetValue<long>());
        Assert.Equal(2, w3["spec"]!["size"]!.GetValue<long>());
        Assert.Equal(1, w3["metadata"]!["generation"]!.GetValue<long>());

        var (_, w4) = await SendAsync(HttpMethod.Patch, Widgets + "/g", new JsonObject { ["spec"] = new JsonObject { ["size"] = 3 } }, "application/merge-patch+json");
        Assert.Equal(2, w4["metadata"]!["generation"]!.GetValue<long>());
    }

    [Fact]
    public async Task CrdSchema_Invalid_fields_give_422_with_field_paths()
    {
        await InstallWidgetsAsync();
        var spec = new JsonObject { ["image"] = "nginx:latest", ["size"] = 11, ["color"] = "green", ["name"] = "far-too-long", ["tags"] = new JsonArray("a", "b", "c") };
        var (code, body) = await SendAsync(HttpMethod.Post, Widgets, Widget("bad", spec));
        Assert.Equal((HttpStatusCode)422, code);
        var fields = body["details"]!["causes"]!.AsArray().Select(c => c!["field"]!.GetValue<string>()).ToHashSet();
        Assert.Superset(new HashSet<string> { "spec.image", "spec.size", "spec.color", "spec.name", "spec.tags" }, fields);

        var (missing, body2) = await SendAsync(HttpMethod.Post, Widgets, Widget("bad2", new JsonObject { ["size"] = "three" }));
        Assert.Equal((HttpStatusCode)422, missing);
        var fields2 = body2["details"]!["causes"]!.AsArray().Select(c => c!["field"]!.GetValue<string>()).ToHashSet();
        Assert.Contains("spec.image", fields2);
        Assert.Contains("spec.size", fields2);
    }

    [Fact]
    public async Task CrdSchema_Unknown_fields_are_pruned_defaults_applied_preserved_fields_kept()
    {
        await InstallWidgetsAsync();
        var spec = new JsonObject { ["image"] = Digest, ["bogus"] = 1, ["extra"] = new JsonObject { ["anything"] = "kept" } };
        var (_, w) = await SendAsync(HttpMethod.Post, Widgets, Widget("p", spec));
        Assert.Null(w["spec"]!["bogus"]);
        Assert.Equal(2, w["spec"]!["size"]!.GetValue<long>());
        Assert.Equal("kept", w["spec"]!["extra"]!["anything"]!.GetValue<string>());
    }

    [Fact]
    public async Task Admission_Names_must_be_DNS1123_and_namespace_must_exist()
    {
        var bad = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "Bad_Name" } }, "default"));
        Assert.Equal((HttpStatusCode)422, bad.Response.StatusCode);
        var noNs = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "ok" } }, "nowhere"));
        Assert.Equal(HttpStatusCode.NotFound, noNs.Response.StatusCode);
    }

    private static V1Deployment Deployment(string name, string image, int replicas = 2, int? deadline = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            ProgressDeadlineSeconds = deadline,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = image }] },
            },
        },
    };

    [Fact]
    public async Task Admission_Deployment_selector_is_immutable()
    {
        await Client.CreateNamespacedDeploymentAsync(Deployment("imm", "img:1"), "default");

        // The emulated deployment controller may write status between our read and our update; upstream checks
        // the resourceVersion precondition before validation, so a stale read is a 409 and we read again.
        HttpOperationException e;
        do
        {
            var d = await Client.ReadNamespacedDeploymentAsync("imm", "default");
            d.Spec.Selector.MatchLabels["app"] = "other";
            d.Spec.Template.Metadata.Labels["app"] = "other";
            e = await Assert.ThrowsAsync<HttpOperationException>(() => Client.ReplaceNamespacedDeploymentAsync(d, "imm", "default"));
        }
        while (e.Response.StatusCode == HttpStatusCode.Conflict);

        Assert.Equal((HttpStatusCode)422, e.Response.StatusCode);
        Assert.Contains("spec.selector", e.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeploymentController_Reports_available_with_NewReplicaSetAvailable()
    {
        await Client.CreateNamespacedDeploymentAsync(Deployment("ok", "img:1", 3), "default");
        var d = await Poll.UntilAsync(() => Client.ReadNamespacedDeploymentAsync("ok", "default"), d => d.Status?.AvailableReplicas == 3, TimeSpan.FromSeconds(5));
        Assert.Equal(d.Metadata.Generation, d.Status.ObservedGeneration);
        Assert.Equal(3, d.Status.UpdatedReplicas);
        Assert.Equal(3, d.Status.ReadyReplicas);
        Assert.Equal("NewReplicaSetAvailable", d.Status.Conditions.Single(c => c.Type == "Progressing").Reason);
        Assert.Equal("True", d.Status.Conditions.Single(c => c.Type == "Available").Status);
    }

    [Fact]
    public async Task DeploymentController_Failing_image_hits_ProgressDeadlineExceeded()
    {
        await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "emulator-faults" }, Data = new Dictionary<string, string> { ["failingImages"] = "bad:1\n" } }, "kube-system");
        await Client.CreateNamespacedDeploymentAsync(Deployment("bad", "bad:1", 2, deadline: 1), "default");
        var d = await Poll.UntilAsync(() => Client.ReadNamespacedDeploymentAsync("bad", "default"), d => d.Status?.Conditions?.Any(c => c.Reason == "ProgressDeadlineExceeded") == true, TimeSpan.FromSeconds(5));
        Assert.Equal("ProgressDeadlineExceeded", d.Status.Conditions.Single(c => c.Type == "Progressing").Reason);
        Assert.Equal("False", d.Status.Conditions.Single(c => c.Type == "Progressing").Status);
        Assert.Null(d.Status.AvailableReplicas is 0 ? null : d.Status.AvailableReplicas);
    }

    [Fact]
    public async Task Finalizers_Delete_marks_and_last_finalizer_removal_deletes()
    {
        var cm = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "f", Finalizers = ["example.com/hold"] } };
        await Client.CreateNamespacedConfigMapAsync(cm, "default");
        await Client.DeleteNamespacedConfigMapAsync("f", "default");
        var marked = await Client.ReadNamespacedConfigMapAsync("f", "default");
        Assert.NotNull(marked.Metadata.DeletionTimestamp);
        marked.Metadata.Finalizers = [];
        await Client.ReplaceNamespacedConfigMapAsync(marked, "f", "default");
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => Client.ReadNamespacedConfigMapAsync("f", "default"));
        Assert.Equal(HttpStatusCode.NotFound, e.Response.StatusCode);
    }

    [Theory]
    [InlineData("Background")]
    [InlineData("Foreground")]
    public async Task GarbageCollection_Dependents_of_a_deleted_owner_are_deleted(string policy)
    {
        var owner = await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "owner" } }, "default");
        var reference = new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "owner", Uid = owner.Metadata.Uid, BlockOwnerDeletion = true, Controller = true };
        await Client.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "dep", OwnerReferences = [reference] } }, "default");
        await Client.DeleteNamespacedConfigMapAsync("owner", "default", propagationPolicy: policy);
        var secrets = await Client.ListNamespacedSecretAsync("default");
        Assert.DoesNotContain(secrets.Items, s => s.Metadata.Name == "dep");
        var maps = await Client.ListNamespacedConfigMapAsync("default");
        Assert.DoesNotContain(maps.Items, s => s.Metadata.Name == "owner");
    }

    [Fact]
    public async Task Namespaces_Deletion_removes_contents()
    {
        await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "gone" } });
        await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "x" } }, "gone");
        await Client.DeleteNamespaceAsync("gone");
        var all = await Client.ListConfigMapForAllNamespacesAsync();
        Assert.DoesNotContain(all.Items, c => c.Metadata.NamespaceProperty == "gone");
        var namespaces = await Client.ListNamespaceAsync();
        Assert.DoesNotContain(namespaces.Items, n => n.Metadata.Name == "gone");
    }

    [Fact]
    public async Task ApiConcepts_List_selectors_and_limit_continue()
    {
        for (var i = 0; i < 5; i++)
        {
            await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"s{i}", Labels = new Dictionary<string, string> { ["tier"] = i % 2 == 0 ? "web" : "api" } } }, "default");
        }

        Assert.Equal(3, (await Client.ListNamespacedConfigMapAsync("default", labelSelector: "tier=web")).Items.Count);
        Assert.Equal(2, (await Client.ListNamespacedConfigMapAsync("default", labelSelector: "tier notin (web)")).Items.Count);
        Assert.Equal(5, (await Client.ListNamespacedConfigMapAsync("default", labelSelector: "tier")).Items.Count);
        Assert.Single((await Client.ListNamespacedConfigMapAsync("default", fieldSelector: "metadata.name=s3")).Items);
        var page = await Client.ListNamespacedConfigMapAsync("default", limit: 2);
        Assert.Equal(2, page.Items.Count);
        var names = page.Items.Select(i => i.Metadata.Name).ToList();
        while (page.Metadata.ContinueProperty is { } token)
        {
            page = await Client.ListNamespacedConfigMapAsync("default", limit: 2, continueParameter: token);
            names.AddRange(page.Items.Select(i => i.Metadata.Name));
        }

        Assert.Equal(5, names.Distinct().Count());
    }

    /// <summary>
    /// API concepts, "Retrieving large results sets in chunks", and ListMeta.remainingItemCount: "If the list request
    /// contained label or field selectors, then the number of remaining items is unknown and the field will be left
    /// unset"; on an unfiltered chunk it counts what follows. Pages of a filtered list across namespaces hold only
    /// matches, each once, in key order, and an object deleted between pages is simply not listed.
    /// </summary>
    [Fact]
    public async Task ApiConcepts_List_chunks_across_namespaces_with_selectors_and_remainingItemCount_only_unfiltered()
    {
        foreach (var ns in new[] { "chunk-b", "chunk-a" })
        {
            await Client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
            for (var i = 0; i < 7; i++)
            {
                await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"c{i}", Labels = new Dictionary<string, string> { ["chunk"] = i % 3 == 0 ? "skip" : "take" } } }, ns);
            }
        }

        var unfiltered = await Client.ListNamespacedConfigMapAsync("chunk-a", limit: 3);
        Assert.Equal(["c0", "c1", "c2"], unfiltered.Items.Select(i => i.Metadata.Name));
        Assert.Equal(4, unfiltered.Metadata.RemainingItemCount);

        var names = new List<string>();
        var page = await Client.ListConfigMapForAllNamespacesAsync(labelSelector: "chunk=take", limit: 3);
        Assert.Null(page.Metadata.RemainingItemCount);
        names.AddRange(page.Items.Select(i => $"{i.Metadata.NamespaceProperty}/{i.Metadata.Name}"));
        await Client.DeleteNamespacedConfigMapAsync("c5", "chunk-b");
        while (page.Metadata.ContinueProperty is { } token)
        {
            page = await Client.ListConfigMapForAllNamespacesAsync(labelSelector: "chunk=take", limit: 3, continueParameter: token);
            Assert.Null(page.Metadata.RemainingItemCount);
            Assert.InRange(page.Items.Count, 1, 3);
            names.AddRange(page.Items.Select(i => $"{i.Metadata.NamespaceProperty}/{i.Metadata.Name}"));
        }

        string[] expected = ["chunk-a/c1", "chunk-a/c2", "chunk-a/c4", "chunk-a/c5", "chunk-b/c1", "chunk-b/c2", "chunk-b/c4"];
        Assert.Equal(expected, names.Where(n => n.StartsWith("chunk-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Watch_List_then_watch_from_its_resourceVersion_misses_nothing_and_410_after_compaction()
    {
        var list = await Client.ListNamespacedConfigMapAsync("default");
        await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "w1" } }, "default");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var seen = new List<(WatchEventType, string)>();
        await foreach (var (type, item) in Client.WatchListNamespacedConfigMapAsync("default", resourceVersion: list.Metadata.ResourceVersion, timeoutSeconds: 1, cancellationToken: cts.Token))
        {
            seen.Add((type, item.Metadata.Name));
            break;
        }

        Assert.Equal((WatchEventType.Added, "w1"), seen.Single());

        Emulator.Faults.CompactHistory();
        var (code, _) = (HttpStatusCode.OK, 0);
        using var response = await Http.GetAsync($"/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={list.Metadata.ResourceVersion}", HttpCompletionOption.ResponseHeadersRead);
        code = response.StatusCode;
        var line = JsonNode.Parse((await response.Content.ReadAsStringAsync()).Split('\n')[0])!;
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("ERROR", line["type"]!.GetValue<string>());
        Assert.Equal(410, line["object"]!["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task Faults_Injected_status_and_request_counts()
    {
        Emulator.Faults.FailNext("create", "configmaps", 429, 1);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/namespaces/default/configmaps") { Content = new StringContent("{\"metadata\":{\"name\":\"q\"}}", Encoding.UTF8, "application/json") };
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(response.Headers.Contains("Retry-After"));
        Assert.Equal(1, Emulator.RequestCounts.Get("create", "configmaps", 429));
        var metrics = await Http.GetStringAsync("/metrics");
        Assert.Contains("apiserver_request_total{verb=\"create\",resource=\"configmaps\",code=\"429\"} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Table_Uses_CRD_printer_columns()
    {
        await InstallWidgetsAsync();
        await SendAsync(HttpMethod.Post, Widgets, Widget("t"));
        using var request = new HttpRequestMessage(HttpMethod.Get, Widgets);
        request.Headers.TryAddWithoutValidation("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io");
        using var response = await Http.SendAsync(request);
        var table = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("Table", table["kind"]!.GetValue<string>());
        var columns = table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["Name", "Size", "Ready", "Age"], columns);
        Assert.Equal(2, table["rows"]![0]!["cells"]![1]!.GetValue<long>());
    }
}
