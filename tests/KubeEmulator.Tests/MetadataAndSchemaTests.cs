using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace KubeEmulator.Tests;

/// <summary>
/// ObjectMeta validation that every kind gets ("Labels and Selectors", "Annotations", "Owners and Dependents"), and
/// the CRD schema rules on string formats and list types ("Extend the Kubernetes API with CustomResourceDefinitions":
/// format; "Server-Side Apply": x-kubernetes-list-type set and map).
/// </summary>
public sealed class MetadataAndSchemaTests() : EmulatorTest()
{
    private const string Gadgets = "/apis/test.example.com/v1/namespaces/default/gadgets";

    private async Task<(HttpStatusCode Code, JsonObject Body)> PostAsync(string path, JsonNode body)
    {
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync(new Uri(path, UriKind.Relative), content);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync()) as JsonObject ?? []);
    }

    private static JsonObject ConfigMap(string name, JsonObject metadata)
    {
        metadata["name"] = name;
        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = metadata };
    }

    private static List<string?> Fields(JsonObject status) =>
        [.. (status["details"]?["causes"] as JsonArray ?? []).Select(c => c?["field"]?.GetValue<string>())];

    [Theory]
    [InlineData("app.kubernetes.io/version", "sha256:0123")]
    [InlineData("app", "has space")]
    [InlineData("app", "a-value-of-sixty-four-characters-is-one-more-than-a-label-allows")]
    [InlineData("Bad_Prefix.example.com/app", "ok")]
    [InlineData("example.com/", "ok")]
    public async Task Labels_Invalid_keys_and_values_are_422(string key, string value)
    {
        var (code, status) = await PostAsync("/api/v1/namespaces/default/configmaps", ConfigMap("labels", new JsonObject { ["labels"] = new JsonObject { [key] = value } }));

        Assert.Equal((HttpStatusCode)422, code);
        Assert.Equal("Invalid", status["reason"]!.GetValue<string>());
        Assert.Contains("metadata.labels", Fields(status));
    }

    [Fact]
    public async Task Labels_and_annotations_of_the_usual_shapes_are_accepted()
    {
        var (code, _) = await PostAsync("/api/v1/namespaces/default/configmaps", ConfigMap("fine", new JsonObject
        {
            ["labels"] = new JsonObject { ["app.kubernetes.io/name"] = "shop", ["empty"] = "", ["v"] = "1.2.3_rc-1" },
            ["annotations"] = new JsonObject { ["prometheus.io/scrape"] = "true", ["note"] = "any text: at all, even with spaces" },
        }));

        Assert.Equal(HttpStatusCode.Created, code);
    }

    [Fact]
    public async Task Annotations_Invalid_key_is_422()
    {
        var (code, status) = await PostAsync("/api/v1/namespaces/default/configmaps", ConfigMap("annotations", new JsonObject { ["annotations"] = new JsonObject { ["not a key"] = "x" } }));

        Assert.Equal((HttpStatusCode)422, code);
        Assert.Contains("metadata.annotations", Fields(status));
    }

    [Fact]
    public async Task OwnersAndDependents_Only_one_controller_and_every_reference_complete()
    {
        JsonObject Owner(string name, bool controller, string? uid = "0b8f0e0a-0000-0000-0000-000000000001") => new()
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["name"] = name,
            ["uid"] = uid,
            ["controller"] = controller,
        };

        var (twoControllers, status) = await PostAsync("/api/v1/namespaces/default/configmaps", ConfigMap("owned", new JsonObject { ["ownerReferences"] = new JsonArray(Owner("a", true), Owner("b", true)) }));
        Assert.Equal((HttpStatusCode)422, twoControllers);
        Assert.Contains("metadata.ownerReferences", Fields(status));

        var (noUid, status2) = await PostAsync("/api/v1/namespaces/default/configmaps", ConfigMap("owned", new JsonObject { ["ownerReferences"] = new JsonArray(Owner("a", true, uid: null)) }));
        Assert.Equal((HttpStatusCode)422, noUid);
        Assert.Contains("metadata.ownerReferences[0].uid", Fields(status2));
    }

    private async Task InstallGadgetsAsync()
    {
        var crd = JsonNode.Parse("""
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"gadgets.test.example.com"},
             "spec":{"group":"test.example.com","scope":"Namespaced","names":{"plural":"gadgets","kind":"Gadget"},
              "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{
                "spec":{"type":"object","properties":{
                  "when":{"type":"string","format":"date-time"},
                  "tags":{"type":"array","items":{"type":"string"},"x-kubernetes-list-type":"set"},
                  "conditions":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["type"],
                    "items":{"type":"object","required":["type"],"properties":{"type":{"type":"string"},"status":{"type":"string"}}}}}}}}}}]}}
            """)!;
        var (code, _) = await PostAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
        Assert.Equal(HttpStatusCode.Created, code);
    }

    private static JsonObject Gadget(string name, JsonObject spec) => new()
    {
        ["apiVersion"] = "test.example.com/v1",
        ["kind"] = "Gadget",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = spec,
    };

    [Fact]
    public async Task CrdSchema_Format_date_time_is_checked()
    {
        await InstallGadgetsAsync();

        var (ok, _) = await PostAsync(Gadgets, Gadget("good", new JsonObject { ["when"] = "2026-11-24T09:30:00Z" }));
        var (bad, status) = await PostAsync(Gadgets, Gadget("bad", new JsonObject { ["when"] = "24/11/2026 09:30" }));

        Assert.Equal(HttpStatusCode.Created, ok);
        Assert.Equal((HttpStatusCode)422, bad);
        Assert.Contains("spec.when", Fields(status));
    }

    [Fact]
    public async Task CrdSchema_List_type_set_and_map_refuse_duplicates()
    {
        await InstallGadgetsAsync();

        var (set, setStatus) = await PostAsync(Gadgets, Gadget("set", new JsonObject { ["tags"] = new JsonArray("a", "b", "a") }));
        var (map, mapStatus) = await PostAsync(Gadgets, Gadget("map", new JsonObject
        {
            ["conditions"] = new JsonArray(
                new JsonObject { ["type"] = "Ready", ["status"] = "True" },
                new JsonObject { ["type"] = "Stalled", ["status"] = "False" },
                new JsonObject { ["type"] = "Ready", ["status"] = "False" }),
        }));
        var (distinct, _) = await PostAsync(Gadgets, Gadget("distinct", new JsonObject
        {
            ["tags"] = new JsonArray("a", "b"),
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready" }, new JsonObject { ["type"] = "Stalled" }),
        }));

        Assert.Equal((HttpStatusCode)422, set);
        Assert.Contains("spec.tags[2]", Fields(setStatus));
        Assert.Equal((HttpStatusCode)422, map);
        Assert.Contains("spec.conditions[2]", Fields(mapStatus));
        Assert.Contains("Duplicate value", mapStatus["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, distinct);
    }
}
