using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Config.Tests.Manifests;

/// <summary>
/// The parts of a CRD's structural OpenAPI v3 schema the API server enforces on create: types,
/// unknown fields (pruned silently there, reported here), required, enum, pattern, bounds.
/// </summary>
public static class SchemaCheck
{
    public static IReadOnlyList<string> Problems(JsonNode? value, JsonObject schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var problems = new List<string>();
        Check(value, schema, "", problems);
        return problems;
    }

    private static void Check(JsonNode? value, JsonObject schema, string path, List<string> problems)
    {
        var where = path.Length == 0 ? "(root)" : path.TrimStart('.');
        if (value is null)
        {
            return;
        }

        if (schema["x-kubernetes-int-or-string"]?.GetValue<bool>() == true)
        {
            if (value is not JsonValue v || (v.GetValueKind() is not (JsonValueKind.Number or JsonValueKind.String)))
            {
                problems.Add($"{where}: must be an integer or a string");
            }

            return;
        }

        var type = (string?)schema["type"];
        switch (type)
        {
            case "object":
                if (value is not JsonObject map)
                {
                    problems.Add($"{where}: must be an object");
                    return;
                }

                var properties = schema["properties"]?.AsObject();
                var additional = schema["additionalProperties"] as JsonObject;
                var preserve = schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;
                foreach (var (key, child) in map)
                {
                    if (properties is not null && properties[key] is JsonObject childSchema)
                    {
                        Check(child, childSchema, path + "." + key, problems);
                    }
                    else if (additional is not null)
                    {
                        Check(child, additional, path + "." + key, problems);
                    }
                    else if (!preserve && !(path.Length == 0 && key is "apiVersion" or "kind" or "metadata"))
                    {
                        problems.Add($"{where}: unknown field {key}");
                    }
                }

                foreach (var required in schema["required"]?.AsArray().Select(r => (string)r!) ?? [])
                {
                    if (!map.ContainsKey(required))
                    {
                        problems.Add($"{where}: required field {required} is missing");
                    }
                }

                return;
            case "array":
                if (value is not JsonArray list)
                {
                    problems.Add($"{where}: must be a list");
                    return;
                }

                if (schema["items"] is JsonObject items)
                {
                    for (var i = 0; i < list.Count; i++)
                    {
                        Check(list[i], items, $"{path}[{i}]", problems);
                    }
                }

                if (schema["maxItems"] is JsonValue maxItems && list.Count > maxItems.GetValue<long>())
                {
                    problems.Add($"{where}: more than {maxItems} items");
                }

                return;
            case "string":
                if (value is not JsonValue s || s.GetValueKind() != JsonValueKind.String)
                {
                    problems.Add($"{where}: must be a string");
                    return;
                }

                var text = s.GetValue<string>();
                if (schema["pattern"] is JsonValue pattern && !Regex.IsMatch(text, pattern.GetValue<string>(), RegexOptions.None, TimeSpan.FromSeconds(1)))
                {
                    problems.Add($"{where}: '{text}' does not match {pattern}");
                }

                if (schema["maxLength"] is JsonValue maxLength && text.Length > maxLength.GetValue<long>())
                {
                    problems.Add($"{where}: longer than {maxLength}");
                }

                CheckEnum(value, schema, where, problems);
                return;
            case "integer" or "number":
                if (value is not JsonValue n || n.GetValueKind() != JsonValueKind.Number)
                {
                    problems.Add($"{where}: must be a number");
                    return;
                }

                var number = n.GetValue<double>();
                if (schema["minimum"] is JsonValue min && number < min.GetValue<double>())
                {
                    problems.Add($"{where}: {number} is below {min}");
                }

                if (schema["maximum"] is JsonValue max && number > max.GetValue<double>())
                {
                    problems.Add($"{where}: {number} is above {max}");
                }

                return;
            case "boolean":
                if (value is not JsonValue b || b.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                {
                    problems.Add($"{where}: must be true or false");
                }

                return;
            default:
                return;
        }
    }

    private static void CheckEnum(JsonNode value, JsonObject schema, string where, List<string> problems)
    {
        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => a?.ToString() == value.ToString()))
        {
            problems.Add($"{where}: '{value}' is not one of {allowed.ToJsonString()}");
        }
    }
}
