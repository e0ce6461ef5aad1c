using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>Built-in admission: names and immutable fields.</summary>
internal static class Admission
{
    public static string? ValidateName(ResourceType type, string name)
    {
        if (name.Length == 0)
        {
            return "Required value: name or generateName is required";
        }

        // "Object Names and IDs": most kinds use DNS-1123 subdomains (253), Namespaces and Services DNS-1123 labels (63).
        var label = type.Plural is "namespaces" or "services";
        var max = label ? 63 : 253;
        if (name.Length > max || !ApiStore.Dns1123Subdomain().IsMatch(name) || (label && name.Contains('.', StringComparison.Ordinal)))
        {
            return $"Invalid value: \"{name}\": a lowercase RFC 1123 {(label ? "label" : "subdomain")} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
        }

        return null;
    }

    public static IEnumerable<(string, string)> ValidateKind(ResourceType type, JsonObject obj, JsonObject? old)
    {
        if (type.Plural == "deployments")
        {
            var selector = obj["spec"]?["selector"];
            if (selector is null)
            {
                yield return ("spec.selector", "Required value");
            }
            else if (old is not null && !JsonNode.DeepEquals(selector, old["spec"]?["selector"]))
            {
                yield return ("spec.selector", "Invalid value: field is immutable");
            }
            else if (selector["matchLabels"] is JsonObject match && obj["spec"]?["template"]?["metadata"]?["labels"] is JsonObject labels
                && match.Any(p => labels[p.Key]?.GetValue<string>() != p.Value?.GetValue<string>()))
            {
                yield return ("spec.template.metadata.labels", "Invalid value: `selector` does not match template `labels`");
            }
        }

        if (type.Plural == "customresourcedefinitions")
        {
            var spec = obj["spec"];
            var plural = spec?["names"]?["plural"]?.GetValue<string>();
            var group = spec?["group"]?.GetValue<string>();
            if (plural is null || group is null || spec?["versions"] is not JsonArray { Count: > 0 } || spec["names"]?["kind"] is null)
            {
                yield return ("spec", "Required value: group, names.plural, names.kind and versions are required");
            }
            else if (obj["metadata"]?["name"]?.GetValue<string>() != $"{plural}.{group}")
            {
                yield return ("metadata.name", $"Invalid value: must be spec.names.plural+\".\"+spec.group");
            }
        }
    }

    public static JsonObject Invalid(ResourceType type, string name, IEnumerable<(string Field, string Message)> errors)
    {
        var list = errors.ToList();
        var causes = new JsonArray();
        foreach (var (field, message) in list)
        {
            causes.Add(new JsonObject { ["reason"] = Reason(message), ["message"] = message, ["field"] = field });
        }

        var kind = type.Group.Length == 0 ? type.Kind : $"{type.Kind}.{type.Group}";
        return ApiStore.Status(422, "Invalid",
            $"{kind} \"{name}\" is invalid: {string.Join(", ", list.Select(e => $"{e.Field}: {e.Message}"))}",
            new JsonObject { ["name"] = name, ["group"] = type.Group, ["kind"] = type.Kind, ["causes"] = causes });
    }

    private static string Reason(string message) =>
        message.StartsWith("Required", StringComparison.Ordinal) ? "FieldValueRequired"
        : message.StartsWith("Unsupported", StringComparison.Ordinal) ? "FieldValueNotSupported"
        : message.StartsWith("Forbidden", StringComparison.Ordinal) ? "FieldValueForbidden"
        : message.StartsWith("Too many", StringComparison.Ordinal) ? "FieldValueTooMany"
        : message.StartsWith("Too long", StringComparison.Ordinal) ? "FieldValueTooLong"
        : "FieldValueInvalid";
}
