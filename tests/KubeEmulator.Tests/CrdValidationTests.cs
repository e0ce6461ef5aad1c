using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace KubeEmulator.Tests;

/// <summary>
/// apiextensions-apiserver's ValidateCustomResourceDefinition on create and update: each case changes one thing in
/// a valid CRD and expects the upstream field path and message ("Specifying a structural schema", "Defaulting",
/// "Validation rules", list types, names, versions).
/// </summary>
public sealed class CrdValidationTests() : EmulatorTest()
{
    private const string Crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
    private const string Schema = "/spec/versions/0/schema/openAPIV3Schema";
    private const string SchemaPath = "spec.versions[0].schema.openAPIV3Schema";

    private static JsonObject ValidCrd() => JsonNode.Parse("""
        {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"things.test.example.com"},
         "spec":{"group":"test.example.com","scope":"Namespaced","names":{"plural":"things","kind":"Thing","shortNames":["th"]},
          "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},"schema":{"openAPIV3Schema":{"type":"object",
            "properties":{"metadata":{"type":"object","properties":{"name":{"type":"string","maxLength":20}}},
              "spec":{"type":"object","x-kubernetes-validations":[{"rule":"self.replicas >= 0","message":"no negative replicas"}],
                "properties":{
                  "replicas":{"type":"integer","default":1},
                  "labels":{"type":"object","additionalProperties":{"type":"string"}},
                  "anything":{"x-kubernetes-preserve-unknown-fields":true},
                  "port":{"x-kubernetes-int-or-string":true},
                  "tags":{"type":"array","items":{"type":"string"},"x-kubernetes-list-type":"set"},
                  "ports":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],
                    "items":{"type":"object","required":["name"],"properties":{"name":{"type":"string"},"number":{"type":"integer"}}}}}},
              "status":{"type":"object","properties":{"phase":{"type":"string"}}}}}}}]}}
        """)!.AsObject();

    /// <summary>Sets (or, for a null value, removes) the node at a JSON pointer, creating objects on the way.</summary>
    private static JsonObject With(JsonObject crd, string pointer, string? json)
    {
        var steps = pointer.Trim('/').Split('/');
        JsonNode node = crd;
        foreach (var step in steps[..^1])
        {
            node = node is JsonArray a ? a[int.Parse(step, System.Globalization.CultureInfo.InvariantCulture)]! : node[step] ??= new JsonObject();
        }

        if (json is null)
        {
            node.AsObject().Remove(steps[^1]);
        }
        else if (node is JsonArray array)
        {
            array[int.Parse(steps[^1], System.Globalization.CultureInfo.InvariantCulture)] = JsonNode.Parse(json);
        }
        else
        {
            node[steps[^1]] = JsonNode.Parse(json);
        }

        return crd;
    }

    private async Task<(HttpStatusCode Code, JsonObject Body)> SendAsync(HttpMethod method, string path, JsonNode body)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        using var response = await Http.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync()) as JsonObject ?? []);
    }

    private static List<(string? Field, string? Message)> Causes(JsonObject status) =>
        [.. (status["details"]?["causes"] as JsonArray ?? []).Select(c => (c?["field"]?.GetValue<string>(), c?["message"]?.GetValue<string>()))];

    [Fact]
    public async Task ValidateCustomResourceDefinition_A_valid_CRD_is_created_with_defaulted_names()
    {
        var (code, body) = await SendAsync(HttpMethod.Post, Crds, ValidCrd());

        Assert.True(code == HttpStatusCode.Created, body.ToJsonString());
        Assert.Equal("thing", body["spec"]!["names"]!["singular"]!.GetValue<string>());
        Assert.Equal("ThingList", body["spec"]!["names"]!["listKind"]!.GetValue<string>());
    }

    [Theory]
    // Names and group.
    [InlineData("/spec/group", "\"example\"", "spec.group", "Invalid value: \"example\": should be a domain with at least one dot")]
    [InlineData("/spec/scope", "\"Global\"", "spec.scope", "Unsupported value: \"Global\": supported values: \"Cluster\", \"Namespaced\"")]
    [InlineData("/spec/names/shortNames/0", "\"Th\"", "spec.names.shortNames[0]", "Invalid value: \"Th\": a DNS-1035 label must consist of lower case alphanumeric characters or '-'")]
    [InlineData("/spec/names/kind", "\"Thing.V1\"", "spec.names.kind", "Invalid value: \"Thing.V1\": may have mixed case, but should otherwise match: a DNS-1035 label")]
    [InlineData("/spec/names/listKind", "\"Thing\"", "spec.names.listKind", "Invalid value: \"Thing\": kind and listKind may not be the same")]
    // Versions.
    [InlineData("/spec/versions/0/storage", "false", "spec.versions", "must have exactly one version marked as storage version")]
    [InlineData("/spec/versions/0/name", "\"V1\"", "spec.versions[0].name", "Invalid value: \"V1\": a DNS-1035 label")]
    [InlineData("/spec/versions/0/schema", null, "spec.versions[0].schema.openAPIV3Schema", "Required value: schemas are required")]
    // Structural schema.
    [InlineData(Schema + "/properties/spec/properties/replicas/type", null, SchemaPath + ".properties[spec].properties[replicas].type", "Required value: must not be empty for specified object fields")]
    [InlineData(Schema + "/properties/spec/properties/tags/items/type", null, SchemaPath + ".properties[spec].properties[tags].items.type", "Required value: must not be empty for specified array items")]
    [InlineData(Schema + "/type", "\"array\"", SchemaPath + ".type", "Invalid value: \"array\": must be object at the root")]
    [InlineData(Schema + "/properties/spec/properties/replicas/type", "\"int\"", SchemaPath + ".properties[spec].properties[replicas].type", "Unsupported value: \"int\": supported values: \"array\", \"boolean\", \"integer\", \"number\", \"object\", \"string\"")]
    [InlineData(Schema + "/properties/metadata/properties/labels", "{\"type\":\"object\"}", SchemaPath + ".properties[metadata]", "Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified")]
    [InlineData(Schema + "/properties/spec/properties/labels/properties", "{\"a\":{\"type\":\"string\"}}", SchemaPath + ".properties[spec].properties[labels].additionalProperties", "Forbidden: additionalProperties and properties are mutual exclusive")]
    [InlineData(Schema + "/properties/spec/properties/anything/x-kubernetes-preserve-unknown-fields", "false", SchemaPath + ".properties[spec].properties[anything].x-kubernetes-preserve-unknown-fields", "Invalid value: false: must be true or undefined")]
    [InlineData(Schema + "/nullable", "true", SchemaPath + ".nullable", "Forbidden: nullable cannot be true at the root")]
    // Defaults.
    [InlineData(Schema + "/properties/spec/properties/replicas/default", "\"one\"", SchemaPath + ".properties[spec].properties[replicas].default", "must be of type integer")]
    [InlineData(Schema + "/properties/spec/properties/ports/default", "[{\"name\":\"a\",\"extra\":1}]", SchemaPath + ".properties[spec].properties[ports].default", "must not have unknown fields")]
    // List types.
    [InlineData(Schema + "/properties/spec/properties/ports/x-kubernetes-list-map-keys", null, SchemaPath + ".properties[spec].properties[ports].x-kubernetes-list-map-keys", "Required value: must not be empty if x-kubernetes-list-type is map")]
    [InlineData(Schema + "/properties/spec/properties/ports/items/required", "[]", SchemaPath + ".properties[spec].properties[ports].items.properties[name].default", "Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property")]
    [InlineData(Schema + "/properties/spec/properties/ports/x-kubernetes-list-map-keys", "[\"id\"]", SchemaPath + ".properties[spec].properties[ports].x-kubernetes-list-map-keys", "entries must all be names of item properties")]
    [InlineData(Schema + "/properties/spec/properties/tags/items", "{\"type\":\"object\"}", SchemaPath + ".properties[spec].properties[tags].items.x-kubernetes-map-type", "must be atomic as item of a list with x-kubernetes-list-type=set")]
    [InlineData(Schema + "/properties/spec/properties/tags/x-kubernetes-list-type", "\"bag\"", SchemaPath + ".properties[spec].properties[tags].x-kubernetes-list-type", "Unsupported value: \"bag\": supported values: \"atomic\", \"set\", \"map\"")]
    [InlineData(Schema + "/properties/spec/properties/replicas/x-kubernetes-list-type", "\"set\"", SchemaPath + ".properties[spec].properties[replicas].type", "Invalid value: \"integer\": must be array if x-kubernetes-list-type is specified")]
    // Validation rules.
    [InlineData(Schema + "/properties/spec/x-kubernetes-validations/0/rule", "\"self.replicas >=\"", SchemaPath + ".properties[spec].x-kubernetes-validations[0].rule", "compilation failed: ERROR: <input>:1:")]
    [InlineData(Schema + "/properties/spec/x-kubernetes-validations/0/rule", "\"other.replicas > 0\"", SchemaPath + ".properties[spec].x-kubernetes-validations[0].rule", "undeclared reference to 'other'")]
    [InlineData(Schema + "/properties/spec/x-kubernetes-validations/0/reason", "\"FieldValueWrong\"", SchemaPath + ".properties[spec].x-kubernetes-validations[0].reason", "Unsupported value: \"FieldValueWrong\"")]
    [InlineData(Schema + "/properties/spec/x-kubernetes-validations/0/fieldPath", "\".nope\"", SchemaPath + ".properties[spec].x-kubernetes-validations[0].fieldPath", "Invalid value: \".nope\": fieldPath must be a valid path")]
    [InlineData(Schema + "/properties/spec/x-kubernetes-validations/0/message", "\" \"", SchemaPath + ".properties[spec].x-kubernetes-validations[0].message", "message must be non-empty if specified")]
    [InlineData(Schema + "/properties/spec/x-kubernetes-validations/0/optionalOldSelf", "true", SchemaPath + ".properties[spec].x-kubernetes-validations[0].optionalOldSelf", "may not be set if oldSelf is not used in rule")]
    [InlineData(Schema + "/properties/spec/properties/tags/items/x-kubernetes-validations", "[{\"rule\":\"self == oldSelf\"}]", SchemaPath + ".properties[spec].properties[tags].items.x-kubernetes-validations[0].rule", "oldSelf cannot be used on the uncorrelatable portion of the schema within " + SchemaPath + ".properties[spec].properties[tags]")]
    public async Task ValidateCustomResourceDefinition_A_CRD_a_real_server_refuses_is_422(string pointer, string? json, string field, string message)
    {
        var (code, status) = await SendAsync(HttpMethod.Post, Crds, With(ValidCrd(), pointer, json));

        Assert.Equal((HttpStatusCode)422, code);
        Assert.Contains(Causes(status), c => c.Field == field && c.Message!.Contains(message, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync(new Uri("/apis/test.example.com/v1/namespaces/default/things", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task ValidateCustomResourceDefinitionUpdate_group_plural_and_scope_are_immutable_and_a_bad_update_keeps_the_old_CRD()
    {
        var (created, body) = await SendAsync(HttpMethod.Post, Crds, ValidCrd());
        Assert.True(created == HttpStatusCode.Created, body.ToJsonString());

        var scoped = With((JsonObject)body.DeepClone(), "/spec/scope", "\"Cluster\"");
        var (code, status) = await SendAsync(HttpMethod.Put, $"{Crds}/things.test.example.com", scoped);
        var broken = With((JsonObject)body.DeepClone(), Schema + "/properties/spec/properties/replicas/type", null);
        var (brokenCode, _) = await SendAsync(HttpMethod.Put, $"{Crds}/things.test.example.com", broken);

        Assert.Equal((HttpStatusCode)422, code);
        Assert.Contains(("spec.scope", "Invalid value: \"Cluster\": field is immutable"), Causes(status));
        Assert.Equal((HttpStatusCode)422, brokenCode);
        // The CRD still serves as before.
        var list = await Http.GetAsync(new Uri("/apis/test.example.com/v1/namespaces/default/things", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
    }

    [Fact]
    public async Task ValidateCustomResourceDefinition_The_repositorys_CRDs_are_valid()
    {
        foreach (var name in new[] { "shopinstances-crd.yaml", "widgets-crd.yaml" })
        {
            var yaml = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "testdata", name));
            var crd = JsonNode.Parse(k8s.KubernetesJson.Serialize(k8s.KubernetesYaml.Deserialize<k8s.Models.V1CustomResourceDefinition>(yaml)))!;
            var (code, body) = await SendAsync(HttpMethod.Post, Crds, crd);
            Assert.True(code == HttpStatusCode.Created, body.ToJsonString());
        }
    }

    /// <summary>
    /// structuraldefaulting.ValidateDefaults validates a default as written: a null inside it where the schema is not
    /// nullable is refused (a custom resource's such nulls are pruned, a default's are not). A <c>default: null</c> is
    /// no default at all (JSONSchemaProps.Default is a *JSON, and a null decodes to a nil pointer): accepted, not stored.
    /// </summary>
    [Fact]
    public async Task ValidateDefaults_A_null_inside_a_default_is_refused_and_default_null_is_no_default()
    {
        var (code, status) = await SendAsync(HttpMethod.Post, Crds, With(ValidCrd(), Schema + "/properties/spec/default", "{\"replicas\":null}"));
        var (itemCode, itemStatus) = await SendAsync(HttpMethod.Post, Crds, With(ValidCrd(), Schema + "/properties/spec/properties/tags/default", "[\"a\",null]"));
        var (created, body) = await SendAsync(HttpMethod.Post, Crds, With(ValidCrd(), Schema + "/properties/spec/properties/replicas/default", "null"));

        Assert.Equal((HttpStatusCode)422, code);
        Assert.Contains((SchemaPath + ".properties[spec].default.replicas", "Invalid value: \"null\": replicas in body must be of type integer: \"null\""), Causes(status));
        Assert.Equal((HttpStatusCode)422, itemCode);
        Assert.Contains((SchemaPath + ".properties[spec].properties[tags].default[1]", "Invalid value: \"null\": [1] in body must be of type string: \"null\""), Causes(itemStatus));
        Assert.True(created == HttpStatusCode.Created, body.ToJsonString());
        var replicas = body["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!["properties"]!["replicas"]!.AsObject();
        Assert.False(replicas.ContainsKey("default"), replicas.ToJsonString());
    }
}
