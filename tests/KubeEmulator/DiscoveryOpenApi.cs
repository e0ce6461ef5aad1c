using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>
/// OpenAPI v3 (<c>/openapi/v3</c> and <c>/openapi/v3/apis/{group}/{version}</c>) as the apiserver publishes it:
/// each custom resource's schema under <c>components.schemas</c>, named by the reversed group, tagged with
/// <c>x-kubernetes-group-version-kind</c> (what <c>kubectl explain</c> looks up), with apiVersion, kind and a
/// metadata reference to ObjectMeta; PATCH paths carrying the <c>fieldValidation</c> parameter (what kubectl's
/// query-param verifier looks for). Built-in groups get documents without schemas, so kubectl's client-side
/// validation knows none of their kinds and skips them.
/// </summary>
internal static class DiscoveryOpenApi
{
    private const string ObjectMetaRef = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

    private static string PathOf(ResourceType t) => t.Group.Length == 0 ? "api/v1" : $"apis/{t.Group}/{t.Version}";

    /// <summary>The index: every group-version with a hash of its document, so clients refetch only what changed.</summary>
    public static JsonObject Index(IReadOnlyList<ResourceType> types)
    {
        var paths = new JsonObject();
        foreach (var gv in types.Select(PathOf).Distinct())
        {
            var hash = Convert.ToHexString(SHA512.HashData(Encoding.UTF8.GetBytes(Document(types, gv)!.ToJsonString())));
            paths[gv] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{gv}?hash={hash}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>The document of one group-version ("apis/shop.example.com/v1alpha1"), or null when none is served.</summary>
    public static JsonObject? Document(IReadOnlyList<ResourceType> types, string groupVersion)
    {
        var served = types.Where(t => PathOf(t) == groupVersion).ToList();
        if (served.Count == 0)
        {
            return null;
        }

        var schemas = new JsonObject();
        var paths = new JsonObject();
        foreach (var type in served.Where(t => t.IsCustom && t.Schema is not null))
        {
            var name = string.Join('.', type.Group.Split('.').Reverse()) + "." + type.Version + "." + type.Kind;
            schemas[name] = KindSchema(type);
            schemas[name + "List"] = ListSchema(type, name);
            var collection = type.Namespaced ? $"/apis/{type.Group}/{type.Version}/namespaces/{{namespace}}/{type.Plural}" : $"/apis/{type.Group}/{type.Version}/{type.Plural}";
            paths[collection + "/{name}"] = new JsonObject { ["patch"] = Patch(type, name) };
        }

        if (schemas.Count > 0)
        {
            schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"] = ObjectMeta();
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.32.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private static JsonObject Gvk(ResourceType type, string kind) =>
        new() { ["group"] = type.Group, ["kind"] = kind, ["version"] = type.Version };

    private static JsonObject KindSchema(ResourceType type)
    {
        var schema = (JsonObject)type.Schema!.DeepClone();
        var properties = schema["properties"] as JsonObject ?? [];
        schema["properties"] = properties;
        properties["apiVersion"] = new JsonObject
        {
            ["type"] = "string",
            ["description"] = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
        };
        properties["kind"] = new JsonObject
        {
            ["type"] = "string",
            ["description"] = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
        };
        properties["metadata"] = new JsonObject
        {
            ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = ObjectMetaRef }),
            ["description"] = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
        };
        schema["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(type, type.Kind));
        return schema;
    }

    private static JsonObject ListSchema(ResourceType type, string itemName) => new()
    {
        ["type"] = "object",
        ["description"] = $"{type.Kind}List is a list of {type.Kind}",
        ["required"] = new JsonArray("items"),
        ["properties"] = new JsonObject
        {
            ["apiVersion"] = new JsonObject { ["type"] = "string" },
            ["kind"] = new JsonObject { ["type"] = "string" },
            ["items"] = new JsonObject
            {
                ["type"] = "array",
                ["description"] = $"List of {type.Plural}.",
                ["items"] = new JsonObject { ["$ref"] = $"#/components/schemas/{itemName}" },
            },
        },
        ["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(type, type.Kind + "List")),
    };

    private static JsonObject Patch(ResourceType type, string name)
    {
        JsonObject Query(string parameter) => new() { ["name"] = parameter, ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } };
        return new JsonObject
        {
            ["tags"] = new JsonArray($"{type.Group}_{type.Version}"),
            ["description"] = $"partially update the specified {type.Kind}",
            ["operationId"] = $"patch{type.Kind}",
            ["parameters"] = new JsonArray(Query("dryRun"), Query("fieldManager"), Query("fieldValidation"), Query("force")),
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject
                {
                    ["description"] = "OK",
                    ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = $"#/components/schemas/{name}" } } },
                },
            },
            ["x-kubernetes-action"] = "patch",
            ["x-kubernetes-group-version-kind"] = Gvk(type, type.Kind),
        };
    }

    /// <summary>Enough of ObjectMeta for explain and for client-side validation of a custom resource's metadata.</summary>
    private static JsonObject ObjectMeta()
    {
        JsonObject Text(string description) => new() { ["type"] = "string", ["description"] = description };
        JsonObject Map(string description) => new() { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "string", ["default"] = "" }, ["description"] = description };
        return new JsonObject
        {
            ["type"] = "object",
            ["description"] = "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
            ["properties"] = new JsonObject
            {
                ["name"] = Text("Name must be unique within a namespace."),
                ["generateName"] = Text("GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided."),
                ["namespace"] = Text("Namespace defines the space within which each name must be unique."),
                ["uid"] = Text("UID is the unique in time and space value for this object."),
                ["resourceVersion"] = Text("An opaque value that represents the internal version of this object."),
                ["generation"] = new JsonObject { ["type"] = "integer", ["format"] = "int64", ["description"] = "A sequence number representing a specific generation of the desired state." },
                ["creationTimestamp"] = Text("CreationTimestamp is a timestamp representing the server time when this object was created."),
                ["deletionTimestamp"] = Text("DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted."),
                ["deletionGracePeriodSeconds"] = new JsonObject { ["type"] = "integer", ["format"] = "int64" },
                ["labels"] = Map("Map of string keys and values that can be used to organize and categorize (scope and select) objects."),
                ["annotations"] = Map("Annotations is an unstructured key value map stored with a resource."),
                ["finalizers"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string", ["default"] = "" }, ["x-kubernetes-list-type"] = "set" },
                ["ownerReferences"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true } },
                ["managedFields"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true } },
            },
        };
    }
}
