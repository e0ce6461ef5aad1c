using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>How structured merge treats a node: a struct or map merges field by field, an atomic value is replaced whole.</summary>
internal enum ShapeKind
{
    Struct,
    Map,
    Atomic,
    ListSet,
    ListMap,
}

/// <summary>
/// The structure structured-merge-diff needs of one node of an object: struct, granular map, atomic, or a list that is
/// atomic, a set or a map keyed by some of its items' fields. Custom resources take it from the CRD schema
/// (x-kubernetes-list-type, x-kubernetes-list-map-keys, x-kubernetes-map-type, additionalProperties; lists are atomic
/// unless marked); built-in kinds from the upstream OpenAPI markers of the fields the operator and kubectl write.
/// </summary>
internal sealed record Shape(ShapeKind Kind, string[] Keys, JsonObject? Schema, IReadOnlyList<string> Names, bool Custom)
{
    public static Shape For(ResourceType type) =>
        new(ShapeKind.Struct, [], type.IsCustom ? type.Schema : null, [], type.IsCustom);

    /// <summary>The shape of field <paramref name="name"/> of this struct or map.</summary>
    public Shape Field(string name, JsonNode? value)
    {
        string[] names = [.. Names, name];
        if (names.Length == 1 && name == "metadata")
        {
            // ObjectMeta is the same built-in type for every kind, custom resources included.
            return new Shape(ShapeKind.Struct, [], null, names, false);
        }

        if (Custom)
        {
            var schema = Schema?["properties"]?[name] as JsonObject
                ?? (Schema?["additionalProperties"] as JsonObject);
            return FromSchema(schema, names, value);
        }

        return BuiltIn(names, value);
    }

    /// <summary>The shape of the items of this list.</summary>
    public Shape Item(JsonNode? value)
    {
        if (Custom)
        {
            return FromSchema(Schema?["items"] as JsonObject, [.. Names], value);
        }

        return value is JsonObject ? new Shape(ShapeKind.Struct, [], null, Names, false) : new Shape(ShapeKind.Atomic, [], null, Names, false);
    }

    private static Shape FromSchema(JsonObject? schema, string[] names, JsonNode? value)
    {
        if (schema is null)
        {
            // Unknown to the schema (x-kubernetes-preserve-unknown-fields): a deduced type, maps granular and lists atomic.
            return new Shape(value is JsonObject ? ShapeKind.Map : ShapeKind.Atomic, [], null, names, true);
        }

        var type = schema["type"]?.GetValue<string>();
        if (type == "array" || (type is null && value is JsonArray))
        {
            return (schema["x-kubernetes-list-type"]?.GetValue<string>()) switch
            {
                "set" => new Shape(ShapeKind.ListSet, [], schema, names, true),
                "map" => new Shape(ShapeKind.ListMap, [.. (schema["x-kubernetes-list-map-keys"] as JsonArray ?? []).Select(k => k!.GetValue<string>())], schema, names, true),
                _ => new Shape(ShapeKind.Atomic, [], schema, names, true),
            };
        }

        if (type == "object" || (type is null && value is JsonObject))
        {
            if (schema["x-kubernetes-map-type"]?.GetValue<string>() == "atomic")
            {
                return new Shape(ShapeKind.Atomic, [], schema, names, true);
            }

            var isMap = schema["properties"] is null && (schema["additionalProperties"] is JsonObject || schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true);
            return new Shape(isMap ? ShapeKind.Map : ShapeKind.Struct, [], schema, names, true);
        }

        return new Shape(ShapeKind.Atomic, [], schema, names, true);
    }

    /// <summary>The upstream markers (+listType, +listMapKey, +mapType, +structType) of the built-in fields written here.</summary>
    private static Shape BuiltIn(string[] names, JsonNode? value)
    {
        var name = names[^1];
        var parent = names.Length > 1 ? names[^2] : "";
        Shape Of(ShapeKind kind, params string[] keys) => new(kind, keys, null, names, false);
        if (value is JsonArray)
        {
            return name switch
            {
                "containers" or "initContainers" or "ephemeralContainers" or "env" or "volumes" or "imagePullSecrets" or "resourceClaims" => Of(ShapeKind.ListMap, "name"),
                "volumeMounts" => Of(ShapeKind.ListMap, "mountPath"),
                "volumeDevices" => Of(ShapeKind.ListMap, "devicePath"),
                "ports" when parent is "containers" or "initContainers" or "ephemeralContainers" => Of(ShapeKind.ListMap, "containerPort", "protocol"),
                "ports" when parent == "spec" && names.Length == 2 => Of(ShapeKind.ListMap, "port", "protocol"),
                "conditions" => Of(ShapeKind.ListMap, "type"),
                "ownerReferences" when parent == "metadata" => Of(ShapeKind.ListMap, "uid"),
                "finalizers" when parent == "metadata" => Of(ShapeKind.ListSet),
                "hostAliases" => Of(ShapeKind.ListMap, "ip"),
                "topologySpreadConstraints" => Of(ShapeKind.ListMap, "topologyKey", "whenUnsatisfiable"),
                _ => Of(ShapeKind.Atomic),
            };
        }

        if (value is JsonObject)
        {
            return name switch
            {
                // LabelSelector is +structType=atomic; a Service's selector is +mapType=atomic.
                "selector" or "podSelector" or "namespaceSelector" or "labelSelector" => Of(ShapeKind.Atomic),
                "labels" or "annotations" or "data" or "binaryData" or "stringData" or "nodeSelector" or "limits" or "requests" => Of(ShapeKind.Map),
                _ => Of(ShapeKind.Struct),
            };
        }

        return Of(ShapeKind.Atomic);
    }

    /// <summary>The key of one item of a list map: its key fields, sorted by name, with a missing protocol as its default TCP.</summary>
    public JsonObject ItemKey(JsonObject item)
    {
        var key = new JsonObject();
        foreach (var field in Keys.Order(StringComparer.Ordinal))
        {
            var v = item[field]?.DeepClone();
            if (v is null && field == "protocol" && !Custom)
            {
                v = "TCP";
            }

            if (v is not null)
            {
                key[field] = v;
            }
        }

        return key;
    }
}
