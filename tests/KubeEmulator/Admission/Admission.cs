using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KubeEmulator;

/// <summary>Built-in admission: names and immutable fields.</summary>
internal static partial class Admission
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

    /// <summary>
    /// ObjectMeta validation every kind gets, custom resources too ("Labels and Selectors", "Annotations",
    /// "Owners and Dependents"): qualified label and annotation keys, label values of at most 63 characters,
    /// owner references naming apiVersion, kind, name and uid, and at most one of them the controller.
    /// </summary>
    public static IEnumerable<(string, string)> ValidateMetadata(JsonObject obj)
    {
        var meta = obj["metadata"] as JsonObject;
        foreach (var (key, value) in meta?["labels"] as JsonObject ?? [])
        {
            if (QualifiedNameError(key) is { } keyError)
            {
                yield return ("metadata.labels", $"Invalid value: \"{key}\": {keyError}");
            }

            var text = value is JsonValue v && v.TryGetValue<string>(out var t) ? t : null;
            if (text is null || text.Length > 63 || !LabelValue().IsMatch(text))
            {
                yield return ("metadata.labels", $"Invalid value: \"{text ?? value?.ToJsonString()}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
            }
        }

        var annotationBytes = 0;
        foreach (var (key, value) in meta?["annotations"] as JsonObject ?? [])
        {
            if (QualifiedNameError(key.ToLowerInvariant()) is { } keyError)
            {
                yield return ("metadata.annotations", $"Invalid value: \"{key}\": {keyError}");
            }

            annotationBytes += key.Length + (value is JsonValue v && v.TryGetValue<string>(out var t) ? System.Text.Encoding.UTF8.GetByteCount(t) : 0);
        }

        if (annotationBytes > 256 * 1024)
        {
            yield return ("metadata.annotations", "Too long: must have at most 262144 bytes");
        }

        var controllers = 0;
        var refs = meta?["ownerReferences"] as JsonArray ?? [];
        for (var i = 0; i < refs.Count; i++)
        {
            foreach (var field in new[] { "apiVersion", "kind", "name", "uid" })
            {
                if (refs[i]?[field] is not JsonValue f || !f.TryGetValue<string>(out var fieldValue) || fieldValue.Length == 0)
                {
                    yield return ($"metadata.ownerReferences[{i}].{field}", "Required value");
                }
            }

            if (refs[i]?["controller"] is JsonValue c && c.TryGetValue<bool>(out var isController) && isController)
            {
                controllers++;
            }
        }

        if (controllers > 1)
        {
            yield return ("metadata.ownerReferences", "Invalid value: Only one reference can have Controller set to true");
        }
    }

    /// <summary>"prefix/name" or "name": prefix a DNS-1123 subdomain, name at most 63 characters of [-A-Za-z0-9_.], alphanumeric at both ends.</summary>
    private static string? QualifiedNameError(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var name = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0)
        {
            var prefix = key[..slash];
            if (prefix.Length == 0 || prefix.Length > 253 || !ApiStore.Dns1123Subdomain().IsMatch(prefix))
            {
                return "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
            }
        }

        return name.Length is 0 or > 63 || !QualifiedName().IsMatch(name)
            ? "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
            : null;
    }

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedName();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

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

    public static JsonObject Invalid(ResourceType type, string name, IEnumerable<(string Field, string Message)> errors) =>
        Invalid(type.Kind, type.Group, name, errors);

    /// <summary>A 422 for an object of <paramref name="kindName"/> in <paramref name="group"/>, request options (PatchOptions) included.</summary>
    public static JsonObject Invalid(string kindName, string group, string name, IEnumerable<(string Field, string Message)> errors)
    {
        var list = errors.ToList();
        var causes = new JsonArray();
        foreach (var (field, message) in list)
        {
            causes.Add(new JsonObject { ["reason"] = Reason(message), ["message"] = message, ["field"] = field });
        }

        var kind = group.Length == 0 ? kindName : $"{kindName}.{group}";
        return ApiStore.Status(422, "Invalid",
            $"{kind} \"{name}\" is invalid: {string.Join(", ", list.Select(e => $"{e.Field}: {e.Message}"))}",
            new JsonObject { ["name"] = name, ["group"] = group, ["kind"] = kindName, ["causes"] = causes });
    }

    private static string Reason(string message) =>
        message.StartsWith("Required", StringComparison.Ordinal) ? "FieldValueRequired"
        : message.StartsWith("Unsupported", StringComparison.Ordinal) ? "FieldValueNotSupported"
        : message.StartsWith("Forbidden", StringComparison.Ordinal) ? "FieldValueForbidden"
        : message.StartsWith("Duplicate", StringComparison.Ordinal) ? "FieldValueDuplicate"
        : message.StartsWith("Too many", StringComparison.Ordinal) ? "FieldValueTooMany"
        : message.StartsWith("Too long", StringComparison.Ordinal) ? "FieldValueTooLong"
        : "FieldValueInvalid";
}
