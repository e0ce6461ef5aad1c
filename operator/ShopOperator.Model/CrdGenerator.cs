using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;

namespace ShopOperator.Model;

/// <summary>
/// The ShopInstance CustomResourceDefinition, generated from <see cref="ShopInstanceSpec"/> and
/// <see cref="ShopInstanceStatus"/> with System.Text.Json's schema exporter, then made structural
/// (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema):
/// every node has a type, no $ref, no type arrays for nullable fields, no anyOf except int-or-string.
/// </summary>
public static class CrdGenerator
{
    public const string Group = "shop.example.com";
    public const string Version = "v1alpha1";
    public const string Kind = "ShopInstance";
    public const string Plural = "shopinstances";
    public const string ApiVersion = Group + "/" + Version;

    public static JsonObject Build() => new()
    {
        ["apiVersion"] = "apiextensions.k8s.io/v1",
        ["kind"] = "CustomResourceDefinition",
        ["metadata"] = new JsonObject { ["name"] = Plural + "." + Group },
        ["spec"] = new JsonObject
        {
            ["group"] = Group,
            ["scope"] = "Namespaced",
            ["names"] = new JsonObject
            {
                ["plural"] = Plural,
                ["singular"] = "shopinstance",
                ["kind"] = Kind,
                ["listKind"] = Kind + "List",
                ["shortNames"] = new JsonArray("shop"),
            },
            ["versions"] = new JsonArray(new JsonObject
            {
                ["name"] = Version,
                ["served"] = true,
                ["storage"] = true,
                ["subresources"] = new JsonObject { ["status"] = new JsonObject() },
                ["additionalPrinterColumns"] = new JsonArray(
                    Column("Digest", ".status.servingDigest"),
                    Column("Ready", ".status.conditions[?(@.type==\"Ready\")].status"),
                    Column("Reason", ".status.conditions[?(@.type==\"Ready\")].reason"),
                    Column("URL", ".status.url"),
                    Column("Age", ".metadata.creationTimestamp", type: "date"),
                    Column("Serving", ".status.servingImage", priority: 1),
                    Column("Message", ".status.conditions[?(@.type==\"Ready\")].message", priority: 1)),
                ["schema"] = new JsonObject { ["openAPIV3Schema"] = OpenApiSchema() },
            }),
        },
    };

    /// <summary>The root schema: spec (required) and status.</summary>
    public static JsonObject OpenApiSchema() => new()
    {
        ["type"] = "object",
        ["description"] = "A web shop (web and api tiers from one image digest) run by shop-operator.",
        ["properties"] = new JsonObject
        {
            ["spec"] = SchemaOf(typeof(ShopInstanceSpec)),
            ["status"] = SchemaOf(typeof(ShopInstanceStatus)),
        },
        ["required"] = new JsonArray("spec"),
    };

    internal static JsonObject SchemaOf(Type type)
    {
        var exporter = new JsonSchemaExporterOptions { TransformSchemaNode = Transform };
        var schema = JsonSchemaExporter.GetJsonSchemaAsNode(ModelJson.Options, type, exporter);
        var root = schema.AsObject();
        Structural(root, root);
        return root;
    }

    private static JsonNode Transform(JsonSchemaExporterContext context, JsonNode node)
    {
        var type = Nullable.GetUnderlyingType(context.TypeInfo.Type) ?? context.TypeInfo.Type;
        if (node is not JsonObject schema)
        {
            // "true" (anything goes) is never structural: only JsonObject maps to it, handled below.
            schema = [];
        }

        if (type == typeof(Quantity))
        {
            schema = IntOrString();
        }
        else if (typeof(IReadOnlyDictionary<string, Quantity>).IsAssignableFrom(type))
        {
            // The exporter writes nothing for values with a custom converter ("anything"): say what they are.
            schema = new JsonObject { ["type"] = "object", ["additionalProperties"] = IntOrString() };
        }
        else if (type == typeof(DateTimeOffset))
        {
            schema = new JsonObject { ["type"] = "string", ["format"] = "date-time" };
        }
        else if (type == typeof(JsonObject))
        {
            schema = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
        }
        else if (type.IsEnum)
        {
            schema = new JsonObject
            {
                ["type"] = "string",
                ["enum"] = new JsonArray([.. Enum.GetNames(type).Select(n => (JsonNode)n)]),
            };
        }

        SingleType(schema);
        foreach (var cel in type.GetCustomAttributes<CelRuleAttribute>())
        {
            AddCel(schema, cel);
        }

        if (type.GetCustomAttribute<DocAttribute>() is { } typeDoc)
        {
            schema["description"] = typeDoc.Text;
        }

        if (context.PropertyInfo?.AttributeProvider is not { } attributes)
        {
            return schema;
        }

        foreach (var attribute in attributes.GetCustomAttributes(inherit: true))
        {
            switch (attribute)
            {
                case PatternAttribute p:
                    schema["pattern"] = p.Pattern;
                    break;
                case RangeAttribute r:
                    schema["minimum"] = r.Minimum;
                    if (r.Maximum != long.MaxValue)
                    {
                        schema["maximum"] = r.Maximum;
                    }

                    break;
                case MaxLengthAttribute m:
                    schema["maxLength"] = m.Length;
                    break;
                case MaxItemsAttribute m:
                    schema["maxItems"] = m.Count;
                    break;
                case DefaultAttribute d:
                    schema["default"] = JsonSerializer.SerializeToNode(d.Value, d.Value.GetType(), ModelJson.Options);
                    break;
                case DocAttribute d:
                    schema["description"] = d.Text;
                    break;
                case PreserveUnknownFieldsAttribute:
                    schema["type"] = "object";
                    schema["x-kubernetes-preserve-unknown-fields"] = true;
                    break;
                case FormatAttribute f:
                    schema["format"] = f.Format;
                    break;
                case ListMapAttribute l:
                    schema["x-kubernetes-list-type"] = "map";
                    schema["x-kubernetes-list-map-keys"] = new JsonArray([.. l.Keys.Select(k => (JsonNode)k)]);
                    break;
                case CelRuleAttribute c:
                    AddCel(schema, c);
                    break;
            }
        }

        return schema;
    }

    private static JsonObject IntOrString() => new()
    {
        ["anyOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" }),
        ["x-kubernetes-int-or-string"] = true,
    };

    private static void AddCel(JsonObject schema, CelRuleAttribute cel)
    {
        if (schema["x-kubernetes-validations"] is not JsonArray rules)
        {
            rules = [];
            schema["x-kubernetes-validations"] = rules;
        }

        var rule = new JsonObject { ["rule"] = cel.Rule, ["message"] = cel.Message };
        if (cel.MessageExpression is { } expression)
        {
            rule["messageExpression"] = expression;
        }

        rules.Add(rule);
    }

    /// <summary>Nullable fields come out as "type": ["string", "null"]; a structural schema has exactly one type.</summary>
    private static void SingleType(JsonObject schema)
    {
        if (schema["type"] is JsonArray types)
        {
            var real = types.Select(t => t!.GetValue<string>()).Where(t => t != "null").ToList();
            schema["type"] = real.Count == 1 ? real[0] : throw new InvalidOperationException("a structural schema needs one type, not " + types.ToJsonString());
        }

        if (schema["enum"] is JsonArray values)
        {
            foreach (var nullValue in values.Where(v => v is null).ToList())
            {
                values.Remove(nullValue);
            }
        }
    }

    /// <summary>Inlines $ref (the exporter refers back to a type met before, e.g. api to web) and checks every node has a type.</summary>
    private static void Structural(JsonObject node, JsonObject root)
    {
        node.Remove("$schema");
        if (node["$ref"] is JsonValue reference)
        {
            // The referenced schema's keywords first, in its order, then this node's own (description): the
            // second occurrence of a type reads like the first.
            var own = node.Where(p => p.Key != "$ref").Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())).ToList();
            var target = Resolve(root, reference.GetValue<string>());
            node.Clear();
            foreach (var (key, value) in target)
            {
                node[key] = value?.DeepClone();
            }

            foreach (var (key, value) in own)
            {
                node[key] = value;
            }
        }

        foreach (var key in new[] { "properties" })
        {
            if (node[key] is JsonObject properties)
            {
                foreach (var (_, child) in properties)
                {
                    Structural(child!.AsObject(), root);
                }
            }
        }

        foreach (var key in new[] { "items", "additionalProperties" })
        {
            if (node[key] is JsonObject child)
            {
                Structural(child, root);
            }
        }

        if (node["type"] is null && node["x-kubernetes-int-or-string"] is null)
        {
            throw new InvalidOperationException("structural schema node without a type: " + node.ToJsonString());
        }
    }

    private static JsonObject Resolve(JsonObject root, string pointer)
    {
        JsonNode current = root;
        foreach (var part in pointer.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            current = current[part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)]
                ?? throw new InvalidOperationException("unresolved $ref " + pointer);
        }

        return current.AsObject();
    }

    private static JsonObject Column(string name, string path, string type = "string", int priority = 0)
    {
        var column = new JsonObject { ["name"] = name, ["type"] = type, ["jsonPath"] = path };
        if (priority > 0)
        {
            column["priority"] = priority;
        }

        return column;
    }
}
