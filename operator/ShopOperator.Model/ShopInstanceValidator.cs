using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ShopOperator.Model;

/// <summary>A rule a spec breaks, with the field it is about (spec.web.replicas).</summary>
public sealed record FieldError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>
/// Checks a ShopInstance against every rule of the generated CRD schema (the same schema object, so the
/// two cannot drift), the CRD's CEL rules (a server without CEL ignores them), and what a schema cannot
/// express (CIDR syntax, quantities, label selectors, names long enough for every child).
/// </summary>
public static partial class ShopInstanceValidator
{
    /// <summary>Longest ShopInstance name: its Services are named name-web / name-api, DNS-1035 labels of at most 63.</summary>
    public const int MaxNameLength = 59;

    private static readonly Lazy<JsonObject> SpecSchema = new(() => CrdGenerator.SchemaOf(typeof(ShopInstanceSpec)));

    private static readonly Dictionary<string, string> PatternMeaning = new(StringComparer.Ordinal)
    {
        [Patterns.DnsSubdomain] = "is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.')",
        [Patterns.SecretKey] = "is not a valid Secret key (letters, digits, '-', '_' and '.')",
    };

    /// <summary>Every problem, in field order; empty when valid.</summary>
    public static IReadOnlyList<FieldError> Validate(JsonObject shop)
    {
        ArgumentNullException.ThrowIfNull(shop);
        var errors = new List<FieldError>();
        var name = JsonRead.Text(JsonRead.Child(shop["metadata"], "name"));
        if (string.IsNullOrEmpty(name))
        {
            errors.Add(new("metadata.name", "required"));
        }
        else if (name.Length > MaxNameLength || !Dns1035().IsMatch(name))
        {
            errors.Add(new("metadata.name", $"'{name}' must be a DNS-1035 label of at most {MaxNameLength} characters (the shop's Services are named {name}-web and {name}-api)"));
        }

        var spec = shop["spec"];
        if (spec is null)
        {
            errors.Add(new("spec", "required"));
            return errors;
        }

        CheckSchema(spec, SpecSchema.Value, "spec", errors);
        if (spec is JsonObject specObject)
        {
            CheckRules(specObject, errors);
        }

        return errors;
    }

    /// <summary>The CRD's CEL rules and the rules no schema can state.</summary>
    private static void CheckRules(JsonObject spec, List<FieldError> errors)
    {
        if (spec["database"] is JsonObject database)
        {
            if (Present(database, "connectionSecretRef") == Present(database, "provision"))
            {
                errors.Add(new("spec.database", DatabaseSpec.ExactlyOneMessage));
            }

            if (database["egress"] is JsonObject egress)
            {
                if (Present(egress, "cidr") && (Present(egress, "podSelector") || Present(egress, "namespaceSelector")))
                {
                    errors.Add(new("spec.database.egress", EgressSpec.CidrOrSelectorsMessage));
                }

                if (egress["cidr"] is JsonValue cidr && cidr.TryGetValue<string>(out var text) && !IPNetwork.TryParse(text, out _))
                {
                    errors.Add(new("spec.database.egress.cidr", $"'{text}' is not a network in CIDR notation (e.g. 10.0.0.0/16)"));
                }

                foreach (var field in new[] { "podSelector", "namespaceSelector" })
                {
                    if (egress[field] is JsonObject selector)
                    {
                        CheckSelector(selector, $"spec.database.egress.{field}", errors);
                    }
                }
            }
        }

        foreach (var tier in new[] { "web", "api" })
        {
            if (JsonRead.Child(spec[tier], "resources") is not JsonObject resources)
            {
                continue;
            }

            foreach (var kind in new[] { "requests", "limits" })
            {
                if (resources[kind] is not JsonObject quantities)
                {
                    continue;
                }

                foreach (var (resource, value) in quantities)
                {
                    var text = value is JsonValue v && v.GetValueKind() is JsonValueKind.String or JsonValueKind.Number ? v.ToString() : null;
                    if (text is not null && !QuantityText().IsMatch(text))
                    {
                        errors.Add(new($"spec.{tier}.resources.{kind}.{resource}", $"'{text}' is not a Kubernetes quantity (e.g. 100m, 1, 256Mi)"));
                    }
                }
            }
        }
    }

    private static void CheckSelector(JsonObject selector, string path, List<FieldError> errors)
    {
        foreach (var (key, value) in selector)
        {
            switch (key)
            {
                case "matchLabels" when value is JsonObject labels:
                    foreach (var (label, labelValue) in labels)
                    {
                        if (labelValue is not JsonValue lv || lv.GetValueKind() != JsonValueKind.String)
                        {
                            errors.Add(new($"{path}.matchLabels.{label}", "must be a string"));
                        }
                    }

                    break;
                case "matchExpressions" when value is JsonArray expressions:
                    for (var i = 0; i < expressions.Count; i++)
                    {
                        var op = JsonRead.Text(JsonRead.Child(expressions[i], "operator"));
                        if (JsonRead.Child(expressions[i], "key") is not JsonValue)
                        {
                            errors.Add(new($"{path}.matchExpressions[{i}].key", "required"));
                        }

                        if (op is not ("In" or "NotIn" or "Exists" or "DoesNotExist"))
                        {
                            errors.Add(new($"{path}.matchExpressions[{i}].operator", "must be one of In, NotIn, Exists, DoesNotExist"));
                        }
                    }

                    break;
                case "matchLabels":
                    errors.Add(new($"{path}.matchLabels", "must be an object"));
                    break;
                case "matchExpressions":
                    errors.Add(new($"{path}.matchExpressions", "must be a list"));
                    break;
                default:
                    errors.Add(new($"{path}.{key}", "unknown field (a label selector has matchLabels and matchExpressions)"));
                    break;
            }
        }
    }

    /// <summary>What the API server checks against the structural schema, with the same schema.</summary>
    private static void CheckSchema(JsonNode? value, JsonObject schema, string path, List<FieldError> errors)
    {
        if (value is null)
        {
            // The server prunes nulls of non-nullable fields: absent.
            return;
        }

        if (schema["x-kubernetes-int-or-string"] is not null)
        {
            if (value is not JsonValue v || v.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number)
                || (v.GetValueKind() == JsonValueKind.Number && Number(v) is var q && (q is null || q != Math.Floor(q.Value))))
            {
                errors.Add(new(path, "must be an integer or a string"));
            }

            return;
        }

        switch (schema["type"]?.GetValue<string>())
        {
            case "object":
                if (value is not JsonObject map)
                {
                    errors.Add(new(path, "must be an object"));
                    return;
                }

                foreach (var required in schema["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? [])
                {
                    if (map[required] is null)
                    {
                        errors.Add(new($"{path}.{required}", "required"));
                    }
                }

                if (schema["x-kubernetes-preserve-unknown-fields"] is not null)
                {
                    return;
                }

                var properties = schema["properties"] as JsonObject;
                var additional = schema["additionalProperties"] as JsonObject;
                foreach (var (key, child) in map)
                {
                    if (properties?[key] is JsonObject childSchema)
                    {
                        CheckSchema(child, childSchema, $"{path}.{key}", errors);
                    }
                    else if (additional is not null)
                    {
                        CheckSchema(child, additional, $"{path}.{key}", errors);
                    }
                    else
                    {
                        errors.Add(new($"{path}.{key}", "unknown field"));
                    }
                }

                return;
            case "array":
                if (value is not JsonArray list)
                {
                    errors.Add(new(path, "must be a list"));
                    return;
                }

                if (schema["maxItems"] is JsonValue maxItems && list.Count > JsonRead.Long(maxItems))
                {
                    errors.Add(new(path, $"must have at most {maxItems} items"));
                }

                for (var i = 0; i < list.Count; i++)
                {
                    CheckSchema(list[i], schema["items"]!.AsObject(), $"{path}[{i}]", errors);
                }

                return;
            case "string":
                if (value is not JsonValue s || s.GetValueKind() != JsonValueKind.String)
                {
                    errors.Add(new(path, "must be a string"));
                    return;
                }

                CheckString(s.GetValue<string>(), schema, path, errors);
                return;
            case "integer":
                if (value is not JsonValue integer || integer.GetValueKind() != JsonValueKind.Number || Number(integer) is not { } number || number != Math.Floor(number))
                {
                    errors.Add(new(path, "must be an integer"));
                    return;
                }

                var min = JsonRead.Long(schema["minimum"]);
                var max = JsonRead.Long(schema["maximum"]);
                if (number < min || number > max)
                {
                    errors.Add(new(path, max is null ? $"must be at least {min}" : $"must be between {min} and {max}"));
                }

                return;
            case "boolean":
                if (value is not JsonValue b || b.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                {
                    errors.Add(new(path, "must be true or false"));
                }

                return;
            default:
                return;
        }
    }

    private static void CheckString(string text, JsonObject schema, string path, List<FieldError> errors)
    {
        if (schema["enum"] is JsonArray allowed)
        {
            var names = allowed.Select(a => a!.GetValue<string>()).ToList();
            if (!names.Contains(text, StringComparer.Ordinal))
            {
                errors.Add(new(path, $"'{text}' must be one of {string.Join(", ", names)}"));
            }

            return;
        }

        if (schema["maxLength"] is JsonValue maxLength && text.Length > JsonRead.Long(maxLength))
        {
            errors.Add(new(path, $"must be at most {maxLength} characters"));
            return;
        }

        if (schema["pattern"] is JsonValue pattern && !Regex.IsMatch(text, pattern.GetValue<string>(), RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            var p = pattern.GetValue<string>();
            errors.Add(new(path, p == Patterns.DigestImage ? ImageMessage(text) : $"'{text}' " + (PatternMeaning.TryGetValue(p, out var meaning) ? meaning : "does not match " + p)));
        }
    }

    private static string ImageMessage(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            return $"'{image}' has a malformed digest: expected registry/repository@sha256:<64 lower-case hex digits>";
        }

        var lastSlash = image.LastIndexOf('/');
        var hasTag = image.IndexOf(':', lastSlash + 1) >= 0;
        return hasTag
            ? $"'{image}' names a tag, not a digest: pin a digest, registry/repository@sha256:<64 hex> (build once, deploy the same digest)"
            : $"'{image}' is not pinned to a digest: pin a digest, registry/repository@sha256:<64 hex> (build once, deploy the same digest)";
    }

    private static bool Present(JsonObject o, string key) => o[key] is not null;

    private static double? Number(JsonValue value) => JsonRead.Number(value);

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035();

    /// <summary>Kubernetes resource.Quantity: a decimal number with an optional binary, decimal or exponent suffix.</summary>
    [GeneratedRegex("^[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$")]
    private static partial Regex QuantityText();
}
