using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Xunit;

namespace KubeEmulator.Tests;

/// <summary>
/// "Validation rules" of CustomResourceDefinitions (x-kubernetes-validations, CEL): rule, message, messageExpression,
/// fieldPath, reason, transition rules with oldSelf, ratcheting, and the operator's own CRD rules enforced.
/// </summary>
public sealed class ValidationRulesTests() : EmulatorTest()
{
    private const string Digest = "ghcr.io/example/shop@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string Rules = "/apis/test.example.com/v1/namespaces/default/rules";
    private const string Shops = "/apis/shop.example.com/v1alpha1/namespaces/default/shopinstances";

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

    private async Task InstallRulesAsync()
    {
        var crd = JsonNode.Parse("""
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"rules.test.example.com"},
             "spec":{"group":"test.example.com","scope":"Namespaced","names":{"plural":"rules","kind":"Rule"},
              "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object",
                "x-kubernetes-validations":[{"rule":"self.metadata.name.startsWith('r-')","message":"name must start with r-"}],
                "properties":{"spec":{"type":"object","required":["size"],
                  "x-kubernetes-validations":[
                    {"rule":"self.minReplicas <= self.maxReplicas","message":"minReplicas must not exceed maxReplicas","fieldPath":".minReplicas"},
                    {"rule":"!has(self.url) || isURL(self.url)","messageExpression":"'not a URL: ' + self.url","reason":"FieldValueForbidden"}],
                  "properties":{
                    "size":{"type":"string"},
                    "minReplicas":{"type":"integer","default":1},
                    "maxReplicas":{"type":"integer","default":3},
                    "url":{"type":"string"},
                    "memory":{"type":"string","x-kubernetes-validations":[{"rule":"quantity(self).isLessThan(quantity('1Gi'))"}]},
                    "mode":{"type":"string","x-kubernetes-validations":[{"rule":"self == oldSelf","message":"mode is immutable"}]},
                    "replicas":{"type":"integer","x-kubernetes-validations":[{"rule":"!oldSelf.hasValue() || self >= oldSelf.value()","message":"replicas may only grow","optionalOldSelf":true}]},
                    "ports":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],
                      "items":{"type":"object","required":["name"],"properties":{"name":{"type":"string"},"number":{"type":"integer",
                        "x-kubernetes-validations":[{"rule":"self == oldSelf","message":"a port's number is immutable"}]}}}}}}}}}}]}}
            """)!;
        var (code, body) = await SendAsync(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
        Assert.True(code == HttpStatusCode.Created, body.ToJsonString());
    }

    private static JsonObject Rule(string name, JsonObject spec) => new()
    {
        ["apiVersion"] = "test.example.com/v1",
        ["kind"] = "Rule",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = spec,
    };

    [Fact]
    public async Task ValidationRules_A_failing_rule_is_422_Invalid_with_its_message_at_the_rules_path()
    {
        await InstallRulesAsync();

        var (ok, created) = await SendAsync(HttpMethod.Post, Rules, Rule("r-ok", new JsonObject { ["size"] = "s", ["memory"] = "512Mi", ["url"] = "https://example.com/x" }));
        var (bad, status) = await SendAsync(HttpMethod.Post, Rules, Rule("r-bad", new JsonObject { ["size"] = "s", ["memory"] = "2Gi" }));

        Assert.True(ok == HttpStatusCode.Created, created.ToJsonString());
        Assert.Equal((HttpStatusCode)422, bad);
        Assert.Equal("Invalid", status["reason"]!.GetValue<string>());
        // No message: "failed rule: <rule>" (apiextensions-apiserver validation/cel: ruleMessageOrDefault).
        Assert.Equal(("spec.memory", "Invalid value: \"string\": failed rule: quantity(self).isLessThan(quantity('1Gi'))"), Assert.Single(Causes(status)));
        Assert.Contains("Rule.test.example.com \"r-bad\" is invalid: spec.memory: Invalid value: \"string\": failed rule:", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidationRules_fieldPath_messageExpression_reason_and_the_root_self_with_metadata_name()
    {
        await InstallRulesAsync();

        var (code, status) = await SendAsync(HttpMethod.Post, Rules, Rule("wrong-name", new JsonObject
        {
            ["size"] = "s",
            ["minReplicas"] = 5,
            ["maxReplicas"] = 2,
            ["url"] = "not a url",
        }));

        Assert.Equal((HttpStatusCode)422, code);
        var causes = Causes(status);
        Assert.Contains(("<nil>", "Invalid value: \"object\": name must start with r-"), causes);
        Assert.Contains(("spec.minReplicas", "Invalid value: \"object\": minReplicas must not exceed maxReplicas"), causes);
        Assert.Contains(("spec", "Forbidden: not a URL: not a url"), causes);
        Assert.Equal(3, causes.Count);
        Assert.Contains(status["details"]!["causes"]!.AsArray(), c => c!["reason"]!.GetValue<string>() == "FieldValueForbidden");
    }

    [Fact]
    public async Task ValidationRules_Rules_see_defaulted_values()
    {
        await InstallRulesAsync();

        // minReplicas defaults to 1, so maxReplicas 0 fails the rule on spec.
        var (code, status) = await SendAsync(HttpMethod.Post, Rules, Rule("r-defaults", new JsonObject { ["size"] = "s", ["maxReplicas"] = 0 }));

        Assert.Equal((HttpStatusCode)422, code);
        Assert.Contains(("spec.minReplicas", "Invalid value: \"object\": minReplicas must not exceed maxReplicas"), Causes(status));
    }

    [Fact]
    public async Task ValidationRules_Transition_rules_run_on_update_only_and_correlate_list_map_items_by_key()
    {
        await InstallRulesAsync();

        var spec = new JsonObject
        {
            ["size"] = "s",
            ["mode"] = "a",
            ["replicas"] = 2,
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["number"] = 80 }),
        };
        var (created, stored) = await SendAsync(HttpMethod.Post, Rules, Rule("r-transition", spec));
        Assert.True(created == HttpStatusCode.Created, stored.ToJsonString());

        var changed = (JsonObject)stored.DeepClone();
        changed["spec"]!["mode"] = "b";
        changed["spec"]!["replicas"] = 1;
        changed["spec"]!["ports"] = new JsonArray(
            new JsonObject { ["name"] = "http", ["number"] = 8080 },
            new JsonObject { ["name"] = "metrics", ["number"] = 9090 });
        var (code, status) = await SendAsync(HttpMethod.Put, $"{Rules}/r-transition", changed);

        Assert.Equal((HttpStatusCode)422, code);
        var causes = Causes(status);
        Assert.Contains(("spec.mode", "Invalid value: \"string\": mode is immutable"), causes);
        Assert.Contains(("spec.replicas", "Invalid value: \"integer\": replicas may only grow"), causes);
        // The new item "metrics" has no old item, so its transition rule does not run.
        Assert.Contains(("spec.ports[0].number", "Invalid value: \"integer\": a port's number is immutable"), causes);
        Assert.Equal(3, causes.Count);

        var grown = (JsonObject)stored.DeepClone();
        grown["spec"]!["replicas"] = 3;
        var (ok, body) = await SendAsync(HttpMethod.Put, $"{Rules}/r-transition", grown);
        Assert.True(ok == HttpStatusCode.OK, body.ToJsonString());
    }

    [Fact]
    public async Task ValidationRules_Ratcheting_an_unchanged_value_is_not_checked_again_on_update()
    {
        await InstallRulesAsync();
        var (created, stored) = await SendAsync(HttpMethod.Post, Rules, Rule("r-ratchet", new JsonObject { ["size"] = "s", ["memory"] = "512Mi" }));
        Assert.Equal(HttpStatusCode.Created, created);

        // The rule tightens; an update that leaves spec.memory alone still passes ("CRD validation ratcheting").
        var crd = JsonNode.Parse(await Http.GetStringAsync(new Uri("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/rules.test.example.com", UriKind.Relative)))!;
        crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!["properties"]!["memory"]!["x-kubernetes-validations"]![0]!["rule"] =
            "quantity(self).isLessThan(quantity('256Mi'))";
        var (updated, crdBody) = await SendAsync(HttpMethod.Put, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/rules.test.example.com", crd);
        Assert.True(updated == HttpStatusCode.OK, crdBody.ToJsonString());

        var labelled = (JsonObject)stored.DeepClone();
        labelled["metadata"]!["labels"] = new JsonObject { ["a"] = "b" };
        var (kept, _) = await SendAsync(HttpMethod.Put, $"{Rules}/r-ratchet", labelled);
        var (fresh, _) = await SendAsync(HttpMethod.Post, Rules, Rule("r-fresh", new JsonObject { ["size"] = "s", ["memory"] = "512Mi" }));

        Assert.Equal(HttpStatusCode.OK, kept);
        Assert.Equal((HttpStatusCode)422, fresh);
    }

    [Fact]
    public async Task ValidationRules_Are_not_run_when_the_object_has_a_blocking_schema_error()
    {
        await InstallRulesAsync();

        // "size" is required: rules are skipped with the apiserver's note (hasBlockingErr).
        var (code, status) = await SendAsync(HttpMethod.Post, Rules, Rule("r-blocked", new JsonObject { ["memory"] = "2Gi" }));

        Assert.Equal((HttpStatusCode)422, code);
        var causes = Causes(status);
        Assert.Contains(("spec.size", "Required value"), causes);
        Assert.Contains(causes, c => c.Message!.Contains("some validation rules were not checked because the object was invalid", StringComparison.Ordinal));
        Assert.DoesNotContain(causes, c => c.Field == "spec.memory");
    }

    private async Task InstallShopCrdAsync()
    {
        var yaml = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "testdata", "shopinstances-crd.yaml"));
        var crd = JsonNode.Parse(KubernetesJson.Serialize(KubernetesYaml.Deserialize<V1CustomResourceDefinition>(yaml)))!;
        var (code, body) = await SendAsync(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
        Assert.True(code == HttpStatusCode.Created, body.ToJsonString());
    }

    private static JsonObject Shop(string name, JsonObject database) => new()
    {
        ["apiVersion"] = "shop.example.com/v1alpha1",
        ["kind"] = "ShopInstance",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject { ["image"] = Digest, ["host"] = "shop.example.com", ["database"] = database },
    };

    [Fact]
    public async Task ValidationRules_The_operators_CRD_database_needs_exactly_one_source()
    {
        await InstallShopCrdAsync();

        var (one, body) = await SendAsync(HttpMethod.Post, Shops, Shop("one", new JsonObject { ["connectionSecretRef"] = new JsonObject { ["name"] = "db" } }));
        var (both, bothStatus) = await SendAsync(HttpMethod.Post, Shops, Shop("both", new JsonObject
        {
            ["connectionSecretRef"] = new JsonObject { ["name"] = "db" },
            ["provision"] = new JsonObject { ["adminSecretRef"] = new JsonObject { ["name"] = "admin" } },
        }));
        var (none, noneStatus) = await SendAsync(HttpMethod.Post, Shops, Shop("none", []));

        Assert.True(one == HttpStatusCode.Created, body.ToJsonString());
        Assert.Equal((HttpStatusCode)422, both);
        Assert.Equal(("spec.database", "Invalid value: \"object\": set exactly one of connectionSecretRef and provision"), Assert.Single(Causes(bothStatus)));
        Assert.Equal((HttpStatusCode)422, none);
        Assert.Equal(("spec.database", "Invalid value: \"object\": set exactly one of connectionSecretRef and provision"), Assert.Single(Causes(noneStatus)));
    }

    [Fact]
    public async Task ValidationRules_The_operators_CRD_egress_is_cidr_or_selectors_not_both()
    {
        await InstallShopCrdAsync();
        JsonObject Database(JsonObject egress) => new() { ["connectionSecretRef"] = new JsonObject { ["name"] = "db" }, ["egress"] = egress };

        var (cidr, body) = await SendAsync(HttpMethod.Post, Shops, Shop("cidr", Database(new JsonObject { ["cidr"] = "10.0.0.0/16" })));
        var (selectors, _) = await SendAsync(HttpMethod.Post, Shops, Shop("selectors", Database(new JsonObject { ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "pg" } } })));
        var (both, status) = await SendAsync(HttpMethod.Post, Shops, Shop("both", Database(new JsonObject { ["cidr"] = "10.0.0.0/16", ["namespaceSelector"] = new JsonObject() })));

        Assert.True(cidr == HttpStatusCode.Created, body.ToJsonString());
        Assert.Equal(HttpStatusCode.Created, selectors);
        Assert.Equal((HttpStatusCode)422, both);
        Assert.Equal(("spec.database.egress", "Invalid value: \"object\": set either cidr or podSelector/namespaceSelector, not both"), Assert.Single(Causes(status)));
    }
}
