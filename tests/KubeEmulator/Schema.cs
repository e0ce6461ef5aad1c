using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>
/// A structural OpenAPI v3 schema applied like the API server does for custom resources: unknown fields pruned,
/// defaults filled in, then types, required, enum, pattern, minimum/maximum, min/maxLength, min/maxItems checked.
/// Then the x-kubernetes-validations (CEL) rules (<see cref="SchemaRules"/>), with the old object on an update.
/// </summary>
internal static class Schema
{
    /// <summary>Applies <paramref name="schema"/> to <paramref name="obj"/>; the paths of the unknown fields it pruned go to <paramref name="pruned"/>.</summary>
    public static void ApplyAndValidate(JsonObject schema, JsonObject obj, List<(string, string)> errors, JsonObject? old = null, List<string>? pruned = null)
    {
        pruned ??= [];
        // apiVersion, kind and metadata are the server's; only the rest follows the CRD's schema.
        var properties = schema["properties"] as JsonObject;
        foreach (var key in obj.Select(p => p.Key).ToList())
        {
            if (key is "apiVersion" or "kind" or "metadata")
            {
                continue;
            }

            if (properties?[key] is not JsonObject child)
            {
                if (schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() != true)
                {
                    obj.Remove(key);
                    pruned.Add(key);
                }

                continue;
            }

            if (obj[key] is null && child["nullable"]?.GetValue<bool>() != true)
            {
                // apiextensions-apiserver prunes a null of a field that is not nullable (then defaults it), no 422.
                obj.Remove(key);
                continue;
            }

            Walk(child, obj[key], key, errors, pruned);
        }

        if (properties is not null)
        {
            foreach (var (key, child) in properties)
            {
                if (key is not ("apiVersion" or "kind" or "metadata") && obj[key] is null && child?["default"] is { } d)
                {
                    obj[key] = d.DeepClone();
                    Walk((JsonObject)child, obj[key], key, errors, pruned);
                }
            }
        }

        Required(schema, obj, "", errors);
        if (HasRules(schema))
        {
            SchemaRules.Validate(schema, obj, old, errors);
        }
    }

    private static bool HasRules(JsonNode? node) => node switch
    {
        JsonObject o => o.Any(p => p.Key == "x-kubernetes-validations" || HasRules(p.Value)),
        JsonArray a => a.Any(HasRules),
        _ => false,
    };

    private static void Required(JsonObject schema, JsonObject obj, string path, List<(string, string)> errors)
    {
        if (schema["required"] is JsonArray required)
        {
            foreach (var name in required.Select(r => r!.GetValue<string>()))
            {
                if (!obj.ContainsKey(name) || obj[name] is null)
                {
                    errors.Add((Join(path, name), "Required value"));
                }
            }
        }
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static void Walk(JsonObject schema, JsonNode? value, string path, List<(string, string)> errors, List<string> pruned)
    {
        if (value is null)
        {
            if (schema["nullable"]?.GetValue<bool>() != true)
            {
                errors.Add((path, "Invalid value: \"null\": " + path + " in body must be of type " + (schema["type"]?.GetValue<string>() ?? "object")));
            }

            return;
        }

        if (schema["x-kubernetes-int-or-string"]?.GetValue<bool>() == true)
        {
            return;
        }

        var type = schema["type"]?.GetValue<string>();
        switch (type)
        {
            case "object":
                if (value is not JsonObject o)
                {
                    errors.Add((path, $"Invalid value: \"{Kind(value)}\": {path} in body must be of type object: \"{Kind(value)}\""));
                    return;
                }

                var properties = schema["properties"] as JsonObject;
                var additional = schema["additionalProperties"] as JsonObject;
                var preserve = schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;
                foreach (var key in o.Select(p => p.Key).ToList())
                {
                    var fieldSchema = properties?[key] as JsonObject ?? additional;
                    if (fieldSchema is not null && o[key] is null && fieldSchema["nullable"]?.GetValue<bool>() != true)
                    {
                        // apiextensions-apiserver prunes a null of a field that is not nullable (then defaults it), no 422.
                        o.Remove(key);
                    }
                    else if (fieldSchema is not null)
                    {
                        Walk(fieldSchema, o[key], Join(path, key), errors, pruned);
                    }
                    else if (!preserve)
                    {
                        // "Structural schemas / pruning": unknown fields are dropped (fieldValidation reports them).
                        o.Remove(key);
                        pruned.Add(Join(path, key));
                    }
                }

                if (properties is not null)
                {
                    foreach (var (key, child) in properties)
                    {
                        if (!o.ContainsKey(key) && child?["default"] is { } d)
                        {
                            o[key] = d.DeepClone();
                            Walk((JsonObject)child, o[key], Join(path, key), errors, pruned);
                        }
                    }
                }

                Required(schema, o, path, errors);
                Count(schema, o.Count, path, "minProperties", "maxProperties", "properties", errors);
                break;
            case "array":
                if (value is not JsonArray a)
                {
                    errors.Add((path, $"Invalid value: \"{Kind(value)}\": {path} in body must be of type array: \"{Kind(value)}\""));
                    return;
                }

                if (schema["items"] is JsonObject items)
                {
                    for (var i = 0; i < a.Count; i++)
                    {
                        Walk(items, a[i], $"{path}[{i}]", errors, pruned);
                    }
                }

                ListType(schema, a, path, errors);
                if (schema["maxItems"]?.GetValue<long>() is { } maxItems && a.Count > maxItems)
                {
                    errors.Add((path, $"Too many: {a.Count}: must have at most {maxItems} items"));
                }

                if (schema["minItems"]?.GetValue<long>() is { } minItems && a.Count < minItems)
                {
                    errors.Add((path, $"Invalid value: {a.Count}: {path} in body should have at least {minItems} items"));
                }

                break;
            case "string":
                if (value.GetValueKind() != JsonValueKind.String)
                {
                    errors.Add((path, $"Invalid value: \"{Kind(value)}\": {path} in body must be of type string: \"{Kind(value)}\""));
                    return;
                }

                var s = value.GetValue<string>();
                if (schema["maxLength"]?.GetValue<long>() is { } maxLength && s.Length > maxLength)
                {
                    errors.Add((path, $"Too long: may not be more than {maxLength} bytes"));
                }

                if (schema["minLength"]?.GetValue<long>() is { } minLength && s.Length < minLength)
                {
                    errors.Add((path, $"Invalid value: \"{s}\": {path} in body should be at least {minLength} chars long"));
                }

                if (schema["format"]?.GetValue<string>() is { } format && !Formats.IsValid(format, s))
                {
                    errors.Add((path, $"Invalid value: \"{s}\": {path} in body must be of type {format}: \"{s}\""));
                }

                if (schema["pattern"]?.GetValue<string>() is { } pattern && Re2.TryCompile(pattern, out var regex, out _) && !regex!.IsMatch(s))
                {
                    errors.Add((path, $"Invalid value: \"{s}\": {path} in body should match '{pattern}'"));
                }

                break;
            case "integer" or "number":
                var kind = value.GetValueKind();
                var isInteger = kind == JsonValueKind.Number && value.ToJsonString().All(c => char.IsDigit(c) || c == '-');
                if (kind != JsonValueKind.Number || (type == "integer" && !isInteger))
                {
                    errors.Add((path, $"Invalid value: \"{Kind(value)}\": {path} in body must be of type {type}: \"{Kind(value)}\""));
                    return;
                }

                var number = value.GetValue<double>();
                if (schema["minimum"] is { } min && number < min.GetValue<double>())
                {
                    errors.Add((path, $"Invalid value: {value.ToJsonString()}: {path} in body should be greater than or equal to {min.ToJsonString()}"));
                }

                if (schema["maximum"] is { } max && number > max.GetValue<double>())
                {
                    errors.Add((path, $"Invalid value: {value.ToJsonString()}: {path} in body should be less than or equal to {max.ToJsonString()}"));
                }

                break;
            case "boolean":
                if (value.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                {
                    errors.Add((path, $"Invalid value: \"{Kind(value)}\": {path} in body must be of type boolean: \"{Kind(value)}\""));
                    return;
                }

                break;
        }

        if (schema["enum"] is JsonArray allowed && !allowed.Any(e => JsonNode.DeepEquals(e, value)))
        {
            errors.Add((path, $"Unsupported value: {value.ToJsonString()}: supported values: {string.Join(", ", allowed.Select(e => e!.ToJsonString()))}"));
        }
    }

    /// <summary>
    /// "x-kubernetes-list-type": a set holds no item twice, a map no two items with the same values of its
    /// x-kubernetes-list-map-keys; either way a duplicate is "Duplicate value" on the item's path.
    /// </summary>
    private static void ListType(JsonObject schema, JsonArray items, string path, List<(string, string)> errors)
    {
        var listType = schema["x-kubernetes-list-type"]?.GetValue<string>();
        if (listType is not ("set" or "map"))
        {
            return;
        }

        var keys = (schema["x-kubernetes-list-map-keys"] as JsonArray)?.Select(k => k!.GetValue<string>()).ToList() ?? [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var identity = listType == "set" || item is not JsonObject o
                ? item?.ToJsonString() ?? "null"
                : new JsonObject([.. keys.Select(k => KeyValuePair.Create(k, o[k]?.DeepClone()))]).ToJsonString();
            if (!seen.Add(identity))
            {
                errors.Add(($"{path}[{i}]", $"Duplicate value: {identity}"));
            }
        }
    }

    private static void Count(JsonObject schema, int count, string path, string minKey, string maxKey, string what, List<(string, string)> errors)
    {
        if (schema[maxKey]?.GetValue<long>() is { } max && count > max)
        {
            errors.Add((path, $"Too many: {count}: must have at most {max} {what}"));
        }

        if (schema[minKey]?.GetValue<long>() is { } min && count < min)
        {
            errors.Add((path, $"Invalid value: {count}: {path} in body should have at least {min} {what}"));
        }
    }

    private static string Kind(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => value.ToJsonString().Contains('.', StringComparison.Ordinal) ? "number" : "integer",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => string.Create(CultureInfo.InvariantCulture, $"{value.GetValueKind()}").ToLowerInvariant(),
    };
}
