using System.Text.Json.Nodes;

namespace ShopOperator.Kube;

/// <summary>
/// The ShopInstance CustomResourceDefinition (structural OpenAPI v3 schema with the rules it can carry:
/// required, patterns, enums, bounds, defaults). Stand-in for ShopOperator.Model's generator; the operator
/// checks the same rules itself and reports them in status, so a server without CEL still gets them.
/// </summary>
public static class ShopInstanceCrd
{
    public const string DigestPattern = "^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+@sha256:[a-f0-9]{64}$";
    public const string DnsPattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

    public static JsonObject Build() => new()
    {
        ["apiVersion"] = "apiextensions.k8s.io/v1",
        ["kind"] = "CustomResourceDefinition",
        ["metadata"] = new JsonObject { ["name"] = "shopinstances.shop.example.com" },
        ["spec"] = new JsonObject
        {
            ["group"] = "shop.example.com",
            ["scope"] = "Namespaced",
            ["names"] = new JsonObject { ["plural"] = "shopinstances", ["singular"] = "shopinstance", ["kind"] = "ShopInstance", ["listKind"] = "ShopInstanceList", ["shortNames"] = new JsonArray("shop") },
            ["versions"] = new JsonArray(new JsonObject
            {
                ["name"] = "v1alpha1",
                ["served"] = true,
                ["storage"] = true,
                ["subresources"] = new JsonObject { ["status"] = new JsonObject() },
                ["additionalPrinterColumns"] = new JsonArray(
                    Column("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status"),
                    Column("Reason", "string", ".status.conditions[?(@.type==\"Ready\")].reason"),
                    Column("URL", "string", ".status.url"),
                    Column("Serving", "string", ".status.servingImage", priority: 1),
                    Column("Message", "string", ".status.conditions[?(@.type==\"Ready\")].message", priority: 1),
                    Column("Age", "date", ".metadata.creationTimestamp")),
                ["schema"] = new JsonObject
                {
                    ["openAPIV3Schema"] = Obj(
                        new JsonObject { ["spec"] = Spec(), ["status"] = Status() },
                        required: ["spec"]),
                },
            }),
        },
    };

    private static JsonObject Spec()
    {
        var tier = Obj(new JsonObject
        {
            ["replicas"] = new JsonObject { ["type"] = "integer", ["minimum"] = 0, ["maximum"] = 100, ["default"] = 2 },
            ["resources"] = Obj(new JsonObject { ["requests"] = Quantities(), ["limits"] = Quantities() }),
        });
        var spec = Obj(
            new JsonObject
            {
                ["image"] = new JsonObject { ["type"] = "string", ["pattern"] = DigestPattern, ["description"] = "registry/repository@sha256:<64 hex>; a tag is rejected: pin a digest" },
                ["host"] = new JsonObject { ["type"] = "string", ["maxLength"] = 253, ["pattern"] = DnsPattern },
                ["tls"] = Obj(new JsonObject { ["secretName"] = Str(), ["clusterIssuer"] = Str() }),
                ["ingress"] = Obj(new JsonObject
                {
                    ["className"] = new JsonObject { ["type"] = "string", ["default"] = "nginx" },
                    ["rateLimitPerSecond"] = new JsonObject { ["type"] = "integer", ["minimum"] = 0, ["default"] = 0 },
                }),
                ["web"] = tier.DeepClone(),
                ["api"] = tier.DeepClone(),
                ["database"] = Obj(new JsonObject
                {
                    ["connectionSecretRef"] = Obj(new JsonObject { ["name"] = Str(), ["key"] = new JsonObject { ["type"] = "string", ["default"] = "connectionString" } }, required: ["name"]),
                    ["provision"] = Obj(new JsonObject
                    {
                        ["adminSecretRef"] = Obj(new JsonObject { ["name"] = Str() }, required: ["name"]),
                        ["deletionPolicy"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("Retain", "Delete"), ["default"] = "Retain" },
                    }, required: ["adminSecretRef"]),
                    ["egress"] = Obj(new JsonObject
                    {
                        ["cidr"] = Str(),
                        ["podSelector"] = Open(),
                        ["namespaceSelector"] = Open(),
                    }),
                }),
                ["rollout"] = Obj(new JsonObject
                {
                    ["autoRollback"] = new JsonObject { ["type"] = "boolean", ["default"] = true },
                    ["progressDeadlineSeconds"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["default"] = 600 },
                }),
                ["suspend"] = new JsonObject { ["type"] = "boolean", ["default"] = false },
            },
            required: ["image", "host", "database"]);
        spec["properties"]!["database"]!["x-kubernetes-validations"] = new JsonArray(new JsonObject
        {
            ["rule"] = "has(self.connectionSecretRef) != has(self.provision)",
            ["message"] = "set exactly one of connectionSecretRef and provision",
        });
        return spec;
    }

    private static JsonObject Status()
    {
        var tier = Obj(new JsonObject { ["desiredReplicas"] = Int(), ["readyReplicas"] = Int(), ["updatedReplicas"] = Int() });
        return Obj(new JsonObject
        {
            ["observedGeneration"] = Int(),
            ["conditions"] = new JsonObject
            {
                ["type"] = "array",
                ["items"] = Obj(
                    new JsonObject
                    {
                        ["type"] = Str(),
                        ["status"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("True", "False", "Unknown") },
                        ["reason"] = Str(),
                        ["message"] = Str(),
                        ["observedGeneration"] = Int(),
                        ["lastTransitionTime"] = new JsonObject { ["type"] = "string", ["format"] = "date-time" },
                    },
                    required: ["type", "status"]),
                ["x-kubernetes-list-type"] = "map",
                ["x-kubernetes-list-map-keys"] = new JsonArray("type"),
            },
            ["url"] = Str(),
            ["servingImage"] = Str(),
            ["rolloutImage"] = Str(),
            ["failedImage"] = Str(),
            ["web"] = tier.DeepClone(),
            ["api"] = tier.DeepClone(),
            ["history"] = new JsonObject
            {
                ["type"] = "array",
                ["maxItems"] = 10,
                ["items"] = Obj(new JsonObject
                {
                    ["image"] = Str(),
                    ["startedAt"] = new JsonObject { ["type"] = "string", ["format"] = "date-time" },
                    ["finishedAt"] = new JsonObject { ["type"] = "string", ["format"] = "date-time" },
                    ["outcome"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("Succeeded", "RolledBack", "Failed", "Superseded") },
                    ["message"] = Str(),
                }),
            },
        });
    }

    private static JsonObject Column(string name, string type, string path, int priority = 0)
    {
        var column = new JsonObject { ["name"] = name, ["type"] = type, ["jsonPath"] = path };
        if (priority > 0)
        {
            column["priority"] = priority;
        }

        return column;
    }

    private static JsonObject Obj(JsonObject properties, string[]? required = null)
    {
        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties };
        if (required is { Length: > 0 })
        {
            schema["required"] = new JsonArray([.. required.Select(r => (JsonNode)r)]);
        }

        return schema;
    }

    private static JsonObject Str() => new() { ["type"] = "string" };

    private static JsonObject Int() => new() { ["type"] = "integer", ["format"] = "int64" };

    private static JsonObject Open() => new() { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };

    private static JsonObject Quantities() => new()
    {
        ["type"] = "object",
        ["additionalProperties"] = new JsonObject { ["anyOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" }), ["x-kubernetes-int-or-string"] = true },
    };
}
