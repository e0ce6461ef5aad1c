using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace KubeEmulator.Tests;

/// <summary>
/// "Server-Side Apply" (kubernetes.io/docs/reference/using-api/server-side-apply) and structured-merge-diff: apply
/// patches, managedFields on every write, list-map merge keys, removal of fields a manager stops applying,
/// conflicts, no-op applies.
/// </summary>
public sealed class ServerSideApplyTests() : EmulatorTest(new EmulatorOptions { DeploymentControllerDelay = TimeSpan.FromHours(1) })
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";
    private const string Deployments = "/apis/apps/v1/namespaces/default/deployments";

    private async Task<(HttpStatusCode Code, JsonObject Body)> SendAsync(HttpMethod method, string path, string? body, string contentType = "application/json", string? userAgent = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }

        if (userAgent is not null)
        {
            request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        }

        using var response = await Http.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync()) as JsonObject ?? []);
    }

    private Task<(HttpStatusCode Code, JsonObject Body)> ApplyAsync(string path, string yaml, string manager, bool force = false) =>
        SendAsync(HttpMethod.Patch, $"{path}?fieldManager={manager}{(force ? "&force=true" : "")}", yaml, "application/apply-patch+yaml");

    private static JsonObject Entry(JsonObject obj, string manager, string operation) =>
        (obj["metadata"]!["managedFields"] as JsonArray ?? []).OfType<JsonObject>()
            .Single(e => e["manager"]!.GetValue<string>() == manager && e["operation"]!.GetValue<string>() == operation);

    private static string Deployment(string containers, string replicas = "") => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          {{replicas}}
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
        {{containers}}
        """;

    [Fact]
    public async Task ServerSideApply_Apply_creates_a_missing_object_and_records_an_Apply_entry_in_fieldsV1()
    {
        var (code, cm) = await ApplyAsync($"{ConfigMaps}/settings", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  labels: {app: shop}\ndata:\n  mode: fast\n", "tool");

        Assert.Equal(HttpStatusCode.Created, code);
        Assert.Equal("fast", cm["data"]!["mode"]!.GetValue<string>());
        var entry = Entry(cm, "tool", "Apply");
        Assert.Equal("v1", entry["apiVersion"]!.GetValue<string>());
        Assert.Equal("FieldsV1", entry["fieldsType"]!.GetValue<string>());
        Assert.NotNull(entry["time"]);
        Assert.Equal("""{"f:data":{"f:mode":{}},"f:metadata":{"f:labels":{"f:app":{}}}}""", entry["fieldsV1"]!.ToJsonString());
    }

    [Fact]
    public async Task ServerSideApply_Every_write_records_an_Update_entry_for_fieldManager_or_the_user_agent()
    {
        var (_, created) = await SendAsync(HttpMethod.Post, $"{ConfigMaps}?fieldManager=creator", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}""");
        var (_, patched) = await SendAsync(HttpMethod.Patch, $"{ConfigMaps}/c", """{"data":{"b":"2"}}""", "application/merge-patch+json", "my-tool/1.2.3 (linux/amd64)");

        var creator = Entry(created, "creator", "Update");
        Assert.Equal("""{"f:data":{".":{},"f:a":{}}}""", creator["fieldsV1"]!.ToJsonString());
        Assert.Null(creator["subresource"]);
        Assert.Equal("""{"f:data":{"f:b":{}}}""", Entry(patched, "my-tool", "Update")["fieldsV1"]!.ToJsonString());
        Assert.Equal("""{"f:data":{".":{},"f:a":{}}}""", Entry(patched, "creator", "Update")["fieldsV1"]!.ToJsonString());

        // A status write is recorded with subresource: status.
        await SendAsync(HttpMethod.Post, $"{Deployments}?fieldManager=op", """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"s"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"c:1"}]}}}}""");
        var (_, status) = await SendAsync(HttpMethod.Patch, $"{Deployments}/s/status?fieldManager=ctl", """{"status":{"observedGeneration":1}}""", "application/merge-patch+json");
        Assert.Equal("status", Entry(status, "ctl", "Update")["subresource"]!.GetValue<string>());
    }

    [Fact]
    public async Task ServerSideApply_Containers_merge_by_name_and_ports_by_containerPort_and_protocol()
    {
        await ApplyAsync($"{Deployments}/web", Deployment("      - name: app\n        image: app:1\n        ports: [{containerPort: 8080}]"), "a");
        var (code, both) = await ApplyAsync($"{Deployments}/web", Deployment("      - name: sidecar\n        image: side:1"), "b");

        Assert.Equal(HttpStatusCode.OK, code);
        var containers = both["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        Assert.Equal(["app", "sidecar"], containers.Select(c => c!["name"]!.GetValue<string>()));
        var fields = Entry(both, "a", "Apply")["fieldsV1"]!["f:spec"]!["f:template"]!["f:spec"]!["f:containers"]!["k:{\"name\":\"app\"}"]!;
        Assert.NotNull(fields["."]);
        Assert.NotNull(fields["f:ports"]!["k:{\"containerPort\":8080,\"protocol\":\"TCP\"}"]);
    }

    [Fact]
    public async Task ServerSideApply_A_field_a_manager_stops_applying_is_removed_unless_another_manager_owns_it()
    {
        await ApplyAsync($"{ConfigMaps}/cm", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: '1', b: '2', c: '3'}\n", "one");
        await ApplyAsync($"{ConfigMaps}/cm", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {c: '3'}\n", "two");

        var (_, after) = await ApplyAsync($"{ConfigMaps}/cm", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: '1'}\n", "one");

        // b was only "one"'s: gone. c is also "two"'s: kept.
        Assert.Equal("""{"a":"1","c":"3"}""", after["data"]!.ToJsonString());
    }

    [Fact]
    public async Task ServerSideApply_Conflict_is_409_with_each_field_and_manager_unless_forced_then_ownership_moves()
    {
        var container = "      - name: app\n        image: app:1";
        await ApplyAsync($"{Deployments}/web", Deployment(container, "replicas: 2"), "kubectl");
        await SendAsync(HttpMethod.Patch, $"{Deployments}/web?fieldManager=scaler", """{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"app:2"}]}}}}""", "application/strategic-merge-patch+json");

        var (code, status) = await ApplyAsync($"{Deployments}/web", Deployment("      - name: app\n        image: app:3", "replicas: 3"), "operator");

        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("Conflict", status["reason"]!.GetValue<string>());
        Assert.Equal("Apply failed with 2 conflicts: conflicts with \"kubectl\":\n- .spec.replicas\nconflicts with \"scaler\" using apps/v1:\n- .spec.template.spec.containers[name=\"app\"].image", status["message"]!.GetValue<string>());
        var causes = status["details"]!["causes"]!.AsArray();
        Assert.Contains(causes, c => c!["field"]!.GetValue<string>() == ".spec.replicas" && c["message"]!.GetValue<string>() == "conflict with \"kubectl\"" && c["type"]!.GetValue<string>() == "FieldManagerConflict");

        var (forced, deployment) = await ApplyAsync($"{Deployments}/web", Deployment("      - name: app\n        image: app:3", "replicas: 3"), "operator", force: true);
        Assert.Equal(HttpStatusCode.OK, forced);
        Assert.Equal(3, deployment["spec"]!["replicas"]!.GetValue<int>());
        Assert.Null(Entry(deployment, "kubectl", "Apply")["fieldsV1"]!["f:spec"]!["f:replicas"]);
        Assert.NotNull(Entry(deployment, "operator", "Apply")["fieldsV1"]!["f:spec"]!["f:replicas"]);
        Assert.DoesNotContain(deployment["metadata"]!["managedFields"]!.AsArray(), e => e!["manager"]!.GetValue<string>() == "scaler");
    }

    [Fact]
    public async Task ServerSideApply_A_no_op_apply_stores_nothing()
    {
        var yaml = Deployment("      - name: app\n        image: app:1", "replicas: 2");
        var (_, first) = await ApplyAsync($"{Deployments}/web", yaml, "operator");
        var writes = Emulator.RequestCounts.Get("patch", "deployments", 200);

        var (code, again) = await ApplyAsync($"{Deployments}/web", yaml, "operator");

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(first["metadata"]!["resourceVersion"]!.GetValue<string>(), again["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal(first["metadata"]!["managedFields"]!.ToJsonString(), again["metadata"]!["managedFields"]!.ToJsonString());
        Assert.Equal(writes + 1, Emulator.RequestCounts.Get("patch", "deployments", 200));
    }

    [Fact]
    public async Task ServerSideApply_fieldManager_is_required_for_apply_and_force_only_for_apply()
    {
        var (code, status) = await SendAsync(HttpMethod.Patch, $"{ConfigMaps}/x", "apiVersion: v1\nkind: ConfigMap\n", "application/apply-patch+yaml");
        var (forceCode, _) = await SendAsync(HttpMethod.Patch, $"{ConfigMaps}/x?force=true", "{}", "application/merge-patch+json");

        Assert.Equal((HttpStatusCode)422, code);
        Assert.Contains("fieldManager: Required value: is required for apply patch", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode)422, forceCode);
    }

    [Fact]
    public async Task ServerSideApply_Custom_resources_merge_lists_by_the_schemas_list_map_keys_and_replace_atomic_lists()
    {
        var crd = """
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"gadgets.test.example.com"},
             "spec":{"group":"test.example.com","scope":"Namespaced","names":{"plural":"gadgets","kind":"Gadget"},
              "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{
                "spec":{"type":"object","properties":{
                  "tags":{"type":"array","items":{"type":"string"}},
                  "parts":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],
                    "items":{"type":"object","required":["name"],"properties":{"name":{"type":"string"},"size":{"type":"integer"}}}}}}}}}}]}}
            """;
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)).Code);
        const string path = "/apis/test.example.com/v1/namespaces/default/gadgets/g";
        await ApplyAsync(path, "apiVersion: test.example.com/v1\nkind: Gadget\nmetadata: {name: g}\nspec:\n  tags: [a, b]\n  parts: [{name: x, size: 1}]\n", "one");

        var (code, g) = await ApplyAsync(path, "apiVersion: test.example.com/v1\nkind: Gadget\nmetadata: {name: g}\nspec:\n  parts: [{name: y, size: 2}]\n", "two");

        Assert.True(code == HttpStatusCode.OK, g.ToJsonString());
        Assert.Equal("""[{"name":"x","size":1},{"name":"y","size":2}]""", g["spec"]!["parts"]!.ToJsonString());
        Assert.NotNull(Entry(g, "one", "Apply")["fieldsV1"]!["f:spec"]!["f:tags"]);

        // An atomic list belongs to one manager as a whole: another value is a conflict.
        var (conflict, _) = await ApplyAsync(path, "apiVersion: test.example.com/v1\nkind: Gadget\nmetadata: {name: g}\nspec:\n  tags: [c]\n", "two");
        Assert.Equal(HttpStatusCode.Conflict, conflict);
    }

    [Fact]
    public async Task ServerSideApply_managedFields_are_reset_by_a_single_empty_entry_and_kept_when_a_client_sends_an_empty_list()
    {
        await ApplyAsync($"{ConfigMaps}/cm", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: '1'}\n", "one");

        var (_, kept) = await SendAsync(HttpMethod.Patch, $"{ConfigMaps}/cm", """{"metadata":{"managedFields":[]}}""", "application/merge-patch+json");
        var (_, reset) = await SendAsync(HttpMethod.Patch, $"{ConfigMaps}/cm", """{"metadata":{"managedFields":[{}]}}""", "application/merge-patch+json");

        Assert.NotNull(Entry(kept, "one", "Apply"));
        Assert.Null(reset["metadata"]!["managedFields"]);
    }
}
