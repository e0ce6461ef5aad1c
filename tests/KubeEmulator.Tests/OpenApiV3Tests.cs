using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace KubeEmulator.Tests;

/// <summary>
/// "OpenAPI V3" discovery as the apiserver serves it: an index of group-version documents with content hashes, and
/// a CRD's schema in its group-version's document, tagged with x-kubernetes-group-version-kind.
/// </summary>
public sealed class OpenApiV3Tests() : EmulatorTest()
{

    private async Task<JsonObject> GetAsync(string path) =>
        JsonNode.Parse(await Http.GetStringAsync(new Uri(path, UriKind.Relative)))!.AsObject();

    private async Task<HttpStatusCode> SendAsync(HttpMethod method, string path, JsonNode body)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        using var response = await Http.SendAsync(request);
        return response.StatusCode;
    }

    private static JsonObject Crd(string description) => JsonNode.Parse("""
        {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"gizmos.test.example.com"},
         "spec":{"group":"test.example.com","scope":"Namespaced","names":{"plural":"gizmos","kind":"Gizmo"},
          "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{
            "spec":{"type":"object","properties":{"size":{"type":"integer","description":"DESCRIPTION"}}}}}}}]}}
        """.Replace("DESCRIPTION", description, StringComparison.Ordinal))!.AsObject();

    [Fact]
    public async Task OpenApiV3_A_CRDs_schema_is_published_under_its_group_version_with_a_hash_that_follows_changes()
    {
        Assert.Equal(HttpStatusCode.Created, await SendAsync(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", Crd("How big.")));

        var index = await GetAsync("/openapi/v3");
        var url = index["paths"]!["apis/test.example.com/v1"]!["serverRelativeURL"]!.GetValue<string>();
        Assert.StartsWith("/openapi/v3/apis/test.example.com/v1?hash=", url, StringComparison.Ordinal);
        Assert.NotNull(index["paths"]!["api/v1"]);

        var document = await GetAsync(url);
        var schema = document["components"]!["schemas"]!["com.example.test.v1.Gizmo"]!;
        Assert.Equal("Gizmo", schema["x-kubernetes-group-version-kind"]![0]!["kind"]!.GetValue<string>());
        Assert.Equal("How big.", schema["properties"]!["spec"]!["properties"]!["size"]!["description"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", schema["properties"]!["metadata"]!["allOf"]![0]!["$ref"]!.GetValue<string>());
        Assert.NotNull(document["components"]!["schemas"]!["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]);
        var patch = document["paths"]!["/apis/test.example.com/v1/namespaces/{namespace}/gizmos/{name}"]!["patch"]!;
        Assert.Contains(patch["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "fieldValidation");

        // A changed schema changes the document's hash, so kubectl's cache fetches it again.
        var stored = await GetAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gizmos.test.example.com");
        stored["spec"]!["versions"]![0]!["schema"] = Crd("How big, in gizmo units.")["spec"]!["versions"]![0]!["schema"]!.DeepClone();
        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Put, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gizmos.test.example.com", stored));
        var changed = (await GetAsync("/openapi/v3"))["paths"]!["apis/test.example.com/v1"]!["serverRelativeURL"]!.GetValue<string>();
        Assert.NotEqual(url, changed);
    }

    [Fact]
    public async Task OpenApiV3_An_unknown_group_version_is_404_and_built_in_documents_hold_no_schemas()
    {
        using var missing = await Http.GetAsync(new Uri("/openapi/v3/apis/nothing.example.com/v1", UriKind.Relative));
        var core = await GetAsync("/openapi/v3/api/v1");

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Empty(core["components"]!["schemas"]!.AsObject());
    }
}
