using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace KubeEmulator.Tests;

/// <summary>
/// "API Concepts", Field validation: fieldValidation=Strict|Warn|Ignore (Warn when none is sent) for unknown and
/// duplicate fields; and apiextensions-apiserver's pruning of nulls of non-nullable fields.
/// </summary>
public sealed class FieldValidationTests() : EmulatorTest(new EmulatorOptions { DeploymentControllerDelay = TimeSpan.FromHours(1) })
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";
    private const string Gadgets = "/apis/test.example.com/v1/namespaces/default/gadgets";

    private async Task<(HttpStatusCode Code, JsonObject Body, string[] Warnings)> PostAsync(string path, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync(new Uri(path, UriKind.Relative), content);
        var warnings = response.Headers.TryGetValues("Warning", out var values) ? values.ToArray() : [];
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync()) as JsonObject ?? [], warnings);
    }

    private async Task InstallGadgetsAsync()
    {
        var (code, _, _) = await PostAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", """
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"gadgets.test.example.com"},
             "spec":{"group":"test.example.com","scope":"Namespaced","names":{"plural":"gadgets","kind":"Gadget"},
              "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{
                "spec":{"type":"object","properties":{
                  "size":{"type":"integer","default":2},
                  "note":{"type":"string","nullable":true},
                  "color":{"type":"string"},
                  "extra":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}}}}]}}
            """);
        Assert.Equal(HttpStatusCode.Created, code);
    }

    [Fact]
    public async Task FieldValidation_Strict_rejects_unknown_fields_of_builtin_kinds_and_custom_resources_with_400()
    {
        await InstallGadgetsAsync();

        var (cm, cmStatus, _) = await PostAsync($"{ConfigMaps}?fieldValidation=Strict", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"bogus":1}""");
        var (deploy, deployStatus, _) = await PostAsync("/apis/apps/v1/namespaces/default/deployments?fieldValidation=Strict",
            """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replica":2,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"c:1","imagee":"x"}]}}}}""");
        var (cr, crStatus, _) = await PostAsync($"{Gadgets}?fieldValidation=Strict", """{"apiVersion":"test.example.com/v1","kind":"Gadget","metadata":{"name":"g"},"spec":{"x":1,"extra":{"kept":true}}}""");

        Assert.Equal(HttpStatusCode.BadRequest, cm);
        Assert.Equal("strict decoding error: unknown field \"bogus\"", cmStatus["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, deploy);
        Assert.Equal("strict decoding error: unknown field \"spec.replica\", unknown field \"spec.template.spec.containers[0].imagee\"", deployStatus["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, cr);
        Assert.Equal("strict decoding error: unknown field \"spec.x\"", crStatus["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task FieldValidation_Warn_is_the_default_and_stores_the_object_pruned_with_a_Warning_header()
    {
        await InstallGadgetsAsync();

        var (code, cm, warnings) = await PostAsync(ConfigMaps, """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"bogus":1,"data":{"k":"v"}}""");
        var (crCode, gadget, crWarnings) = await PostAsync($"{Gadgets}?fieldValidation=Warn", """{"apiVersion":"test.example.com/v1","kind":"Gadget","metadata":{"name":"g"},"spec":{"x":1}}""");

        Assert.Equal(HttpStatusCode.Created, code);
        Assert.Null(cm["bogus"]);
        Assert.Equal(["299 - \"unknown field \\\"bogus\\\"\""], warnings);
        Assert.Equal(HttpStatusCode.Created, crCode);
        Assert.Null(gadget["spec"]!["x"]);
        Assert.Equal(["299 - \"unknown field \\\"spec.x\\\"\""], crWarnings);
    }

    [Fact]
    public async Task FieldValidation_Ignore_prunes_silently()
    {
        var (code, cm, warnings) = await PostAsync($"{ConfigMaps}?fieldValidation=Ignore", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"bogus":1}""");

        Assert.Equal(HttpStatusCode.Created, code);
        Assert.Null(cm["bogus"]);
        Assert.Empty(warnings);
    }

    [Fact]
    public async Task FieldValidation_Strict_rejects_duplicate_fields_and_Warn_keeps_the_last()
    {
        const string body = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"},"data":{"a":"1","a":"2"}}""";

        var (strict, status, _) = await PostAsync($"{ConfigMaps}?fieldValidation=Strict", body);
        var (warn, cm, warnings) = await PostAsync($"{ConfigMaps}?fieldValidation=Warn", body);

        Assert.Equal(HttpStatusCode.BadRequest, strict);
        Assert.Equal("strict decoding error: duplicate field \"data.a\"", status["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Created, warn);
        Assert.Equal("2", cm["data"]!["a"]!.GetValue<string>());
        Assert.Equal(["299 - \"duplicate field \\\"data.a\\\"\""], warnings);
    }

    [Fact]
    public async Task FieldValidation_An_unsupported_directive_is_422()
    {
        var (code, status, _) = await PostAsync($"{ConfigMaps}?fieldValidation=Loose", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}""");

        Assert.Equal((HttpStatusCode)422, code);
        Assert.Contains("fieldValidation: Unsupported value: \"Loose\"", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CrdSchema_Null_of_a_non_nullable_field_is_pruned_then_defaulted_and_a_nullable_null_kept()
    {
        await InstallGadgetsAsync();

        var (code, gadget, _) = await PostAsync(Gadgets, """{"apiVersion":"test.example.com/v1","kind":"Gadget","metadata":{"name":"n"},"spec":{"size":null,"color":null,"note":null}}""");

        Assert.Equal(HttpStatusCode.Created, code);
        var spec = gadget["spec"]!.AsObject();
        Assert.Equal(2, spec["size"]!.GetValue<int>());
        Assert.False(spec.ContainsKey("color"));
        Assert.True(spec.ContainsKey("note"));
    }
}
