using System.Text.Json.Nodes;
using ShopOperator.Kube;
using ShopOperator.Model;
using Xunit;

namespace OperatorModel.Tests;

public sealed class CrdTests
{
    private const string CrdFile = "crds/shop.example.com_shopinstances.yaml";

    private static JsonObject Schema => CrdGenerator.Build()["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject();

    [Fact]
    public void The_committed_CRD_is_what_the_types_generate()
    {
        var generated = JsonYaml.ToYaml([CrdGenerator.Build()]);
        var committed = File.ReadAllText(Repo.Path(CrdFile));

        Assert.True(
            committed == generated,
            $"{CrdFile} differs from what the C# types in operator/ShopOperator.Model generate. Regenerate it with `make crds` "
            + "(shop-operator crd > " + CrdFile + ") and commit the result.");
    }

    [Fact]
    public void A_tag_gets_a_CEL_messageExpression_that_says_pin_a_digest_and_the_CSharp_twin_says_the_same()
    {
        var image = Schema["properties"]!["spec"]!["properties"]!["image"]!;
        var rule = Assert.Single(image["x-kubernetes-validations"]!.AsArray())!;

        // The CEL rule is the schema's pattern (RE2 on the server in both), bounded by maxLength for CEL's cost estimate.
        Assert.Equal($"self.matches('{image["pattern"]!.GetValue<string>()}')", rule["rule"]!.GetValue<string>());
        Assert.Equal(ImageRule.MaxLength, image["maxLength"]!.GetValue<int>());
        var expression = rule["messageExpression"]!.GetValue<string>();
        Assert.Equal(
            "\"'\" + self + \"'\" + (self.contains('@') ? \"" + ImageRule.Malformed + "\" : self.substring(self.lastIndexOf('/') + 1).contains(':') ? \"" + ImageRule.Tag + "\" : \"" + ImageRule.Unpinned + "\")",
            expression);
        Assert.Contains("pin a digest: registry/repository@sha256:", ImageRule.Tag, StringComparison.Ordinal);

        // The validator reports what the expression evaluates to.
        foreach (var (bad, suffix) in new[] { ("ghcr.io/example/shop:1.4.2", ImageRule.Tag), ("registry.example.com:5000/shop", ImageRule.Unpinned), ("ghcr.io/shop@sha256:ab", ImageRule.Malformed) })
        {
            var error = Assert.Single(ShopInstanceValidator.Validate(Specs.Valid().With("spec.image", bad)));
            Assert.Equal("'" + bad + "'" + suffix, error.Message);
        }
    }

    /// <summary>Issue 13: kubectl explain documents every field.</summary>
    [Fact]
    public void Every_property_has_a_description()
    {
        var missing = new List<string>();
        Undocumented(Schema, "", missing);
        Assert.True(missing.Count == 0, "properties without a description (add [Doc] to the C# property): " + string.Join(", ", missing));

        static void Undocumented(JsonObject node, string path, List<string> missing)
        {
            foreach (var (name, child) in node["properties"] as JsonObject ?? [])
            {
                var childPath = path.Length == 0 ? name : $"{path}.{name}";
                if (child!["description"] is not JsonValue d || string.IsNullOrWhiteSpace(d.GetValue<string>()))
                {
                    missing.Add(childPath);
                }

                Undocumented(child.AsObject(), childPath, missing);
            }

            if (node["items"] is JsonObject items)
            {
                Undocumented(items, path + "[]", missing);
            }

            if (node["additionalProperties"] is JsonObject values)
            {
                Undocumented(values, path + "{}", missing);
            }
        }
    }

    [Fact]
    public void A_suspended_shop_shows_in_kubectl_get()
    {
        var columns = CrdGenerator.Build()["spec"]!["versions"]![0]!["additionalPrinterColumns"]!.AsArray();
        var suspended = Assert.Single(columns, c => c!["name"]!.GetValue<string>() == "Suspended")!;
        Assert.Equal((".spec.suspend", "boolean"), (suspended["jsonPath"]!.GetValue<string>(), suspended["type"]!.GetValue<string>()));
        Assert.Null(suspended["priority"]);
    }

    [Fact]
    public void The_schema_is_structural()
    {
        var problems = new List<string>();
        Structural(Schema, "openAPIV3Schema", problems);
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Every_default_is_valid_against_its_own_field()
    {
        var defaults = new List<(string Path, JsonObject Schema)>();
        Collect(Schema, "", defaults);
        Assert.NotEmpty(defaults);
        foreach (var (path, schema) in defaults)
        {
            var value = schema["default"]!;
            var type = schema["type"]!.GetValue<string>();
            var kind = value.GetValueKind();
            Assert.True(
                type switch
                {
                    "string" => kind == System.Text.Json.JsonValueKind.String,
                    "integer" => kind == System.Text.Json.JsonValueKind.Number,
                    "boolean" => kind is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False,
                    _ => false,
                },
                $"{path}: default {value.ToJsonString()} is not a {type}");
            if (schema["enum"] is JsonArray allowed)
            {
                Assert.Contains(allowed, a => JsonNode.DeepEquals(a, value));
            }

            if (schema["pattern"] is { } pattern)
            {
                Assert.Matches(pattern.GetValue<string>(), value.GetValue<string>());
            }
        }
    }

    [Fact]
    public void The_CRD_carries_names_printer_columns_and_the_status_subresource()
    {
        var crd = CrdGenerator.Build();
        Assert.Equal("shopinstances.shop.example.com", crd["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("shop", crd["spec"]!["names"]!["shortNames"]![0]!.GetValue<string>());
        Assert.Equal("Namespaced", crd["spec"]!["scope"]!.GetValue<string>());
        var version = crd["spec"]!["versions"]![0]!;
        Assert.NotNull(version["subresources"]!["status"]);
        var columns = version["additionalPrinterColumns"]!.AsArray().ToDictionary(c => c!["name"]!.GetValue<string>(), c => c!["jsonPath"]!.GetValue<string>());
        Assert.Equal(".status.servingDigest", columns["Digest"]);
        Assert.Equal(".status.conditions[?(@.type==\"Ready\")].status", columns["Ready"]);
        Assert.Equal(".status.conditions[?(@.type==\"Ready\")].message", columns["Message"]);
        Assert.Equal(".status.url", columns["URL"]);
        Assert.Equal(".metadata.creationTimestamp", columns["Age"]);
    }

    [Fact]
    public void Spec_keeps_every_rule_of_the_contract()
    {
        var spec = Schema["properties"]!["spec"]!;
        Assert.Equal(["image", "host", "database"], spec["required"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal(Patterns.DigestImage, spec["properties"]!["image"]!["pattern"]!.GetValue<string>());
        Assert.Equal(253, spec["properties"]!["host"]!["maxLength"]!.GetValue<int>());
        Assert.Equal("nginx", spec["properties"]!["ingress"]!["properties"]!["className"]!["default"]!.GetValue<string>());
        Assert.Equal(0, spec["properties"]!["ingress"]!["properties"]!["rateLimitPerSecond"]!["minimum"]!.GetValue<long>());
        foreach (var tier in new[] { "web", "api" })
        {
            var replicas = spec["properties"]![tier]!["properties"]!["replicas"]!;
            Assert.Equal((0L, 100L), (replicas["minimum"]!.GetValue<long>(), replicas["maximum"]!.GetValue<long>()));

            // No default: an unset count is left to another manager (an HPA), so the server must not fill one in.
            Assert.Null(replicas["default"]);
            Assert.True(spec["properties"]![tier]!["properties"]!["resources"]!["properties"]!["limits"]!["additionalProperties"]!["x-kubernetes-int-or-string"]!.GetValue<bool>());
        }

        var database = spec["properties"]!["database"]!;
        Assert.Equal(DatabaseSpec.ExactlyOneRule, database["x-kubernetes-validations"]![0]!["rule"]!.GetValue<string>());
        var provision = database["properties"]!["provision"]!;
        Assert.Equal(["Retain", "Delete"], provision["properties"]!["deletionPolicy"]!["enum"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal("Retain", provision["properties"]!["deletionPolicy"]!["default"]!.GetValue<string>());
        Assert.True(database["properties"]!["egress"]!["properties"]!["podSelector"]!["x-kubernetes-preserve-unknown-fields"]!.GetValue<bool>());
        Assert.True(spec["properties"]!["rollout"]!["properties"]!["autoRollback"]!["default"]!.GetValue<bool>());
        Assert.Equal(600, spec["properties"]!["rollout"]!["properties"]!["progressDeadlineSeconds"]!["default"]!.GetValue<int>());
        Assert.False(spec["properties"]!["suspend"]!["default"]!.GetValue<bool>());
    }

    [Fact]
    public void Status_has_every_field_the_operator_writes_so_none_is_pruned()
    {
        var status = Schema["properties"]!["status"]!["properties"]!.AsObject();
        foreach (var field in new[] { "observedGeneration", "conditions", "url", "servingImage", "servingDigest", "rolloutImage", "rolloutStartedAt", "failedImage", "web", "api", "history" })
        {
            Assert.True(status.ContainsKey(field), field);
        }

        Assert.Equal("int64", status["observedGeneration"]!["format"]!.GetValue<string>());
        Assert.Equal("date-time", status["rolloutStartedAt"]!["format"]!.GetValue<string>());
        var conditions = status["conditions"]!;
        Assert.Equal("map", conditions["x-kubernetes-list-type"]!.GetValue<string>());
        Assert.Equal("type", conditions["x-kubernetes-list-map-keys"]![0]!.GetValue<string>());
        Assert.Equal("int64", conditions["items"]!["properties"]!["observedGeneration"]!["format"]!.GetValue<string>());
        Assert.Equal(RolloutPlanner.HistoryLimit, status["history"]!["maxItems"]!.GetValue<int>());

        // Everything a plan writes is in the schema: the fields of a full status, serialized.
        var written = ShopInstance.StatusToJson(FullStatus());
        var unknown = written.Select(p => p.Key).Where(k => !status.ContainsKey(k)).ToList();
        Assert.Empty(unknown);
    }

    [Fact]
    public void Every_CEL_rule_has_a_twin_in_the_validator()
    {
        var rules = new List<string>();
        CollectCel(Schema, rules);
        Assert.Equal(
            [
                ImageRule.Message, GatewaySpec.ParentRefsMessage, EgressSpec.CidrOrSelectorsMessage, DatabaseSpec.ExactlyOneMessage, NetworkPeer.CidrOrSelectorsMessage,
                NetworkPeer.CidrOrSelectorsMessage, NetworkPeer.CidrOrSelectorsMessage, ProxySpec.UrlMessage, EgressSpec.CidrOrSelectorsMessage,
                ShopInstanceSpec.IngressOrGatewayMessage, ShopInstanceSpec.TlsWithGatewayMessage,
            ],
            rules);

        // The image rule's twin says what its messageExpression says (A_tag_gets_a_CEL_messageExpression_...).
        foreach (var message in rules.Where(r => r != ImageRule.Message))
        {
            Assert.Contains(ValidationTests.Cases, c => c.Message == message);
        }
    }

    private static ShopInstanceStatus FullStatus() => new()
    {
        ObservedGeneration = 1,
        Conditions = [new Condition { Type = "Ready", Status = ConditionStatus.True, Reason = "Available", Message = "", ObservedGeneration = 1, LastTransitionTime = DateTimeOffset.UnixEpoch }],
        Url = "http://x",
        ServingImage = Specs.DigestA,
        ServingDigest = RolloutPlanner.ShortDigest(Specs.DigestA),
        RolloutImage = Specs.DigestB,
        RolloutStartedAt = DateTimeOffset.UnixEpoch,
        FailedImage = Specs.DigestC,
        Web = new TierStatus(),
        Api = new TierStatus(),
        History = [new RolloutRecord { Image = Specs.DigestA, Outcome = RolloutOutcome.Succeeded, StartedAt = DateTimeOffset.UnixEpoch, FinishedAt = DateTimeOffset.UnixEpoch, Message = "m" }],
    };

    private static void Structural(JsonObject node, string path, List<string> problems)
    {
        if (node.ContainsKey("$ref") || node.ContainsKey("$schema") || node.ContainsKey("nullable"))
        {
            problems.Add($"{path}: $ref, $schema or nullable");
        }

        var intOrString = node["x-kubernetes-int-or-string"]?.GetValue<bool>() == true;
        if (node["type"] is not JsonValue type && !intOrString)
        {
            problems.Add($"{path}: no single type");
        }

        if (node.ContainsKey("anyOf") && !intOrString)
        {
            problems.Add($"{path}: anyOf outside int-or-string");
        }

        if (node["type"]?.GetValue<string>() == "object" && node["properties"] is null && node["additionalProperties"] is null
            && node["x-kubernetes-preserve-unknown-fields"] is null)
        {
            problems.Add($"{path}: an object without properties, additionalProperties or preserve-unknown-fields");
        }

        if (node["type"]?.GetValue<string>() == "array" && node["items"] is not JsonObject)
        {
            problems.Add($"{path}: an array without items");
        }

        if (node["x-kubernetes-list-type"]?.GetValue<string>() == "map")
        {
            var required = node["items"]?["required"]?.AsArray().Select(r => r!.GetValue<string>()).ToHashSet() ?? [];
            foreach (var key in node["x-kubernetes-list-map-keys"]!.AsArray().Select(k => k!.GetValue<string>()))
            {
                if (!required.Contains(key))
                {
                    problems.Add($"{path}: list-map key {key} is not required");
                }
            }
        }

        foreach (var (name, child) in node["properties"] as JsonObject ?? [])
        {
            Structural(child!.AsObject(), $"{path}.{name}", problems);
        }

        foreach (var key in new[] { "items", "additionalProperties" })
        {
            if (node[key] is JsonObject child)
            {
                Structural(child, $"{path}.{key}", problems);
            }
        }
    }

    private static void Collect(JsonObject node, string path, List<(string, JsonObject)> defaults)
    {
        if (node.ContainsKey("default"))
        {
            defaults.Add((path, node));
        }

        foreach (var (name, child) in node["properties"] as JsonObject ?? [])
        {
            Collect(child!.AsObject(), $"{path}.{name}", defaults);
        }
    }

    private static void CollectCel(JsonObject node, List<string> messages)
    {
        foreach (var (name, child) in node["properties"] as JsonObject ?? [])
        {
            CollectCel(child!.AsObject(), messages);
        }

        if (node["items"] is JsonObject items)
        {
            CollectCel(items, messages);
        }

        messages.AddRange((node["x-kubernetes-validations"] as JsonArray ?? []).Select(r => r!["message"]!.GetValue<string>()));
    }
}
