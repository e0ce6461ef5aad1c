using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>
/// apiextensions-apiserver ValidateCustomResourceDefinition, the part the emulator checks: every <c>pattern</c> of a
/// version's schema must compile as a Go regexp (RE2), or the CRD is refused with 422 ("must be a valid regular
/// expression, but isn't").
/// </summary>
internal static class CrdValidation
{
    public static IEnumerable<FieldError> Validate(JsonObject crd)
    {
        var errors = new List<FieldError>();
        foreach (var (i, version) in Rules.Items(crd["spec"]?["versions"]))
        {
            if (version["schema"]?["openAPIV3Schema"] is JsonObject schema)
            {
                Walk(schema, $"spec.versions[{i}].schema.openAPIV3Schema", errors);
            }
        }

        return errors;
    }

    private static void Walk(JsonObject schema, string path, List<FieldError> errors)
    {
        if (schema["pattern"] is JsonValue p && p.TryGetValue<string>(out var pattern) && !Re2.TryCompile(pattern, out _, out var error))
        {
            errors.Add(Rules.Invalid($"{path}.pattern", pattern, $"must be a valid regular expression, but isn't: {error}"));
        }

        foreach (var (name, child) in schema["properties"] as JsonObject ?? [])
        {
            if (child is JsonObject property)
            {
                Walk(property, $"{path}.properties[{name}]", errors);
            }
        }

        foreach (var key in new[] { "items", "additionalProperties", "not" })
        {
            if (schema[key] is JsonObject nested)
            {
                Walk(nested, $"{path}.{key}", errors);
            }
        }

        foreach (var key in new[] { "allOf", "anyOf", "oneOf" })
        {
            foreach (var (i, nested) in Rules.Items(schema[key]))
            {
                Walk(nested, $"{path}.{key}[{i}]", errors);
            }
        }
    }
}
