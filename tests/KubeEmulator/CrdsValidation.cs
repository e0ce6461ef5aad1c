using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KubeEmulator.Cel;

namespace KubeEmulator;

/// <summary>
/// apiextensions-apiserver's ValidateCustomResourceDefinition(Update) for apiextensions.k8s.io/v1, the parts a CRD
/// author meets: group and names, versions (DNS-1035 names, unique, exactly one storage version, a schema each),
/// the structural schema (a type on every node, object at the root, metadata restricted to name/generateName,
/// no additionalProperties beside properties), list types, defaults valid against their schema, and
/// x-kubernetes-validations (rule compiles, message, reason, fieldPath, oldSelf only where correlatable).
/// Paths and messages as upstream.
/// </summary>
internal static partial class CrdsValidation
{
    private const string Dns1035Message = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
    private static readonly string[] Types = ["array", "boolean", "integer", "number", "object", "string"];
    private static readonly string[] Reasons = ["FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"];

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();

    /// <summary>The server's defaults for names (v1 SetDefaults): singular is the lower-case kind, listKind is kind + "List".</summary>
    public static void Default(JsonObject crd)
    {
        if (crd["spec"]?["names"] is JsonObject names && names["kind"]?.GetValue<string>() is { Length: > 0 } kind)
        {
            names["singular"] ??= kind.ToLowerInvariant();
            names["listKind"] ??= kind + "List";
        }

        foreach (var version in (crd["spec"]?["versions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            DropNullDefaults(version["schema"]?["openAPIV3Schema"]);
        }
    }

    /// <summary>
    /// <c>default: null</c> is no default: JSONSchemaProps.Default is a *JSON, and a JSON null decodes to a nil pointer,
    /// so the stored CRD has none (the value's own nulls are another matter, see <see cref="NullsIn"/>).
    /// </summary>
    private static void DropNullDefaults(JsonNode? schema)
    {
        if (schema is not JsonObject node)
        {
            return;
        }

        if (node.ContainsKey("default") && node["default"] is null)
        {
            node.Remove("default");
        }

        foreach (var (key, child) in node.ToList())
        {
            if (key is "properties" && child is JsonObject properties)
            {
                foreach (var (_, property) in properties)
                {
                    DropNullDefaults(property);
                }
            }
            else if (key is "items" or "additionalProperties")
            {
                DropNullDefaults(child);
            }
        }
    }

    public static List<(string, string)> Validate(JsonObject crd, JsonObject? old)
    {
        var errors = new List<(string, string)>();
        var spec = crd["spec"] as JsonObject ?? [];
        var group = Text(spec["group"]);
        var names = spec["names"] as JsonObject ?? [];
        var plural = Text(names["plural"]);

        if (group.Length == 0)
        {
            errors.Add(("spec.group", "Required value"));
        }
        else if (!ApiStore.Dns1123Subdomain().IsMatch(group) || group.Length > 253)
        {
            errors.Add(("spec.group", $"Invalid value: \"{group}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"));
        }
        else if (!group.Contains('.', StringComparison.Ordinal))
        {
            errors.Add(("spec.group", $"Invalid value: \"{group}\": should be a domain with at least one dot"));
        }

        var scope = Text(spec["scope"]);
        if (scope.Length == 0)
        {
            errors.Add(("spec.scope", "Required value"));
        }
        else if (scope is not ("Cluster" or "Namespaced"))
        {
            errors.Add(("spec.scope", $"Unsupported value: \"{scope}\": supported values: \"Cluster\", \"Namespaced\""));
        }

        Versions(spec, errors);
        Names(names, errors);

        if (old?["spec"] is JsonObject oldSpec)
        {
            // These name the storage: a real server refuses to change them ("field is immutable").
            if (Text(oldSpec["group"]) != group)
            {
                errors.Add(("spec.group", $"Invalid value: \"{group}\": field is immutable"));
            }

            if (Text(oldSpec["names"]?["plural"]) != plural)
            {
                errors.Add(("spec.names.plural", $"Invalid value: \"{plural}\": field is immutable"));
            }

            if (Text(oldSpec["scope"]) != scope)
            {
                errors.Add(("spec.scope", $"Invalid value: \"{scope}\": field is immutable"));
            }

            if (Text(oldSpec["names"]?["kind"]) != Text(names["kind"]))
            {
                errors.Add(("spec.names.kind", $"Invalid value: \"{Text(names["kind"])}\": field is immutable"));
            }
        }

        return errors;
    }

    private static string Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";

    private static void Names(JsonObject names, List<(string, string)> errors)
    {
        foreach (var key in new[] { "plural", "singular", "kind", "listKind" })
        {
            if (Text(names[key]).Length == 0)
            {
                errors.Add(($"spec.names.{key}", "Required value"));
            }
        }

        foreach (var key in new[] { "plural", "singular" })
        {
            if (Text(names[key]) is { Length: > 0 } name && !IsDns1035(name))
            {
                errors.Add(($"spec.names.{key}", $"Invalid value: \"{name}\": {Dns1035Message}"));
            }
        }

        foreach (var key in new[] { "kind", "listKind" })
        {
            if (Text(names[key]) is { Length: > 0 } name && !IsDns1035(name.ToLowerInvariant()))
            {
                errors.Add(($"spec.names.{key}", $"Invalid value: \"{name}\": may have mixed case, but should otherwise match: {Dns1035Message}"));
            }
        }

        if (Text(names["kind"]) is { Length: > 0 } kind && kind == Text(names["listKind"]))
        {
            errors.Add(("spec.names.listKind", $"Invalid value: \"{kind}\": kind and listKind may not be the same"));
        }

        foreach (var key in new[] { "shortNames", "categories" })
        {
            var list = names[key] as JsonArray ?? [];
            for (var i = 0; i < list.Count; i++)
            {
                if (!IsDns1035(Text(list[i])))
                {
                    errors.Add(($"spec.names.{key}[{i}]", $"Invalid value: \"{Text(list[i])}\": {Dns1035Message}"));
                }
            }
        }
    }

    private static bool IsDns1035(string name) => name.Length is > 0 and <= 63 && Dns1035Label().IsMatch(name);

    private static void Versions(JsonObject spec, List<(string, string)> errors)
    {
        var versions = spec["versions"] as JsonArray ?? [];
        var shown = $"[]apiextensions.CustomResourceDefinitionVersion{{{string.Join(", ", versions.Select(v => $"{{Name:\"{Text(v?["name"])}\"...}}"))}}}";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var storage = 0;
        var unique = true;
        for (var i = 0; i < versions.Count; i++)
        {
            var version = versions[i] as JsonObject ?? [];
            var name = Text(version["name"]);
            unique &= seen.Add(name);
            storage += version["storage"]?.GetValue<bool>() == true ? 1 : 0;
            if (!IsDns1035(name))
            {
                errors.Add(($"spec.versions[{i}].name", $"Invalid value: \"{name}\": {Dns1035Message}"));
            }

            var path = $"spec.versions[{i}].schema.openAPIV3Schema";
            if (version["schema"]?["openAPIV3Schema"] is not JsonObject schema)
            {
                errors.Add((path, "Required value: schemas are required"));
                continue;
            }

            if (schema["nullable"]?.GetValue<bool>() == true)
            {
                errors.Add(($"{path}.nullable", "Forbidden: nullable cannot be true at the root"));
            }

            if (version["subresources"]?["status"] is not null && schema["type"] is not null && Text(schema["type"]) != "object")
            {
                errors.Add(($"{path}.type", $"Invalid value: \"{Text(schema["type"])}\": only \"object\" is allowed as the type at the root of the schema if the status subresource is enabled"));
            }

            var before = errors.Count;
            Structural(schema, path, Level.Root, errors);
            SchemaNode(schema, path, isRoot: true, uncorrelatable: null, errors);
            if (errors.Count == before)
            {
                // Defaults and rule compilation are checked on a structural schema only, as upstream does.
                Defaults(schema, path, errors);
                Rules(schema, path, uncorrelatable: null, errors);
            }
        }

        if (!unique)
        {
            errors.Add(("spec.versions", $"Invalid value: {shown}: must contain unique version names"));
        }

        if (storage != 1)
        {
            errors.Add(("spec.versions", $"Invalid value: {shown}: must have exactly one version marked as storage version"));
        }
    }

    private enum Level
    {
        Root,
        Items,
        Field,
    }

    /// <summary>"Specifying a structural schema": ValidateStructural's invariants.</summary>
    private static void Structural(JsonObject schema, string path, Level level, List<(string, string)> errors)
    {
        var type = Text(schema["type"]);
        if (type == "array" && schema["items"] is null)
        {
            errors.Add(($"{path}.items", "Required value: must be specified"));
        }

        if (schema["items"] is JsonObject items)
        {
            Structural(items, $"{path}.items", Level.Items, errors);
        }

        foreach (var (key, child) in schema["properties"] as JsonObject ?? [])
        {
            if (child is JsonObject c)
            {
                Structural(c, $"{path}.properties[{key}]", Level.Field, errors);
            }
        }

        if (schema["additionalProperties"] is JsonObject additional)
        {
            Structural(additional, $"{path}.additionalProperties", Level.Field, errors);
        }

        if (level == Level.Root && type.Length > 0 && type != "object")
        {
            errors.Add(($"{path}.type", $"Invalid value: \"{type}\": must be object at the root"));
        }

        var properties = schema["properties"] as JsonObject;
        if (level == Level.Root || schema["x-kubernetes-embedded-resource"]?.GetValue<bool>() == true)
        {
            foreach (var key in new[] { "kind", "apiVersion" })
            {
                if (properties?[key] is JsonObject meta && Text(meta["type"]) is var t && t != "string")
                {
                    errors.Add(($"{path}.properties[{key}].type", $"Invalid value: \"{t}\": must be string"));
                }
            }
        }

        if (level == Level.Root && properties?["metadata"] is JsonObject metadata)
        {
            if (Text(metadata["type"]) is { Length: > 0 } t && t != "object")
            {
                errors.Add(($"{path}.properties[metadata].type", $"Invalid value: \"{t}\": must be object"));
            }

            var allowed = metadata.All(p => p.Key is "type" or "properties")
                && (metadata["properties"] as JsonObject ?? []).All(p => p.Key is "name" or "generateName");
            if (!allowed)
            {
                errors.Add(($"{path}.properties[metadata]", "Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified"));
            }
        }

        if (type.Length == 0 && schema["x-kubernetes-int-or-string"]?.GetValue<bool>() != true
            && schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() != true
            && schema["x-kubernetes-embedded-resource"]?.GetValue<bool>() != true)
        {
            errors.Add(($"{path}.type", level switch
            {
                Level.Root => "Required value: must not be empty at the root",
                Level.Items => "Required value: must not be empty for specified array items",
                _ => "Required value: must not be empty for specified object fields",
            }));
        }
    }

    /// <summary>ValidateCustomResourceDefinitionOpenAPISchema: types, additionalProperties, list types, validation rule fields.</summary>
    private static void SchemaNode(JsonObject schema, string path, bool isRoot, string? uncorrelatable, List<(string, string)> errors)
    {
        var type = Text(schema["type"]);
        if (type.Length > 0 && !Types.Contains(type))
        {
            errors.Add(($"{path}.type", $"Unsupported value: \"{type}\": supported values: {string.Join(", ", Types.Select(t => $"\"{t}\""))}"));
        }

        if (schema["uniqueItems"]?.GetValue<bool>() == true)
        {
            errors.Add(($"{path}.uniqueItems", "Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic"));
        }

        var properties = schema["properties"] as JsonObject;
        if (schema["additionalProperties"] is { } additional && properties is { Count: > 0 } && additional is not JsonValue)
        {
            errors.Add(($"{path}.additionalProperties", "Forbidden: additionalProperties and properties are mutual exclusive"));
        }

        if (schema["x-kubernetes-preserve-unknown-fields"] is JsonValue preserve && preserve.GetValue<bool>() == false)
        {
            errors.Add(($"{path}.x-kubernetes-preserve-unknown-fields", "Invalid value: false: must be true or undefined"));
        }

        ListType(schema, path, errors);

        if (schema["additionalProperties"] is JsonObject additionalSchema)
        {
            SchemaNode(additionalSchema, $"{path}.additionalProperties", false, uncorrelatable, errors);
        }

        foreach (var (key, child) in properties ?? [])
        {
            if (child is JsonObject c)
            {
                SchemaNode(c, $"{path}.properties[{key}]", false, uncorrelatable, errors);
            }
        }

        if (schema["items"] is JsonObject items)
        {
            SchemaNode(items, $"{path}.items", false, uncorrelatable, errors);
        }

        var rules = schema["x-kubernetes-validations"] as JsonArray ?? [];
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i] as JsonObject ?? [];
            var at = $"{path}.x-kubernetes-validations[{i}]";
            var text = Text(rule["rule"]).Trim();
            var message = Text(rule["message"]);
            if (text.Length == 0)
            {
                errors.Add(($"{at}.rule", "Required value: rule is not specified"));
            }
            else if (message.Length > 0 && message.Trim().Length == 0)
            {
                errors.Add(($"{at}.message", $"Invalid value: \"{message}\": message must be non-empty if specified"));
            }
            else if (message.Trim().Contains('\n', StringComparison.Ordinal) || message.Trim().Contains('\r', StringComparison.Ordinal))
            {
                errors.Add(($"{at}.message", $"Invalid value: \"{message}\": message must not contain line breaks"));
            }
            else if ((text.Contains('\n', StringComparison.Ordinal) || text.Contains('\r', StringComparison.Ordinal)) && message.Trim().Length == 0)
            {
                errors.Add(($"{at}.message", "Required value: message must be specified if rule contains line breaks"));
            }

            if (rule["messageExpression"] is not null && Text(rule["messageExpression"]).Trim().Length == 0)
            {
                errors.Add(($"{at}.messageExpression", "Required value: messageExpression must be non-empty if specified"));
            }

            if (rule["reason"] is not null && !Reasons.Contains(Text(rule["reason"])))
            {
                errors.Add(($"{at}.reason", $"Unsupported value: \"{Text(rule["reason"])}\": supported values: {string.Join(", ", Reasons.Select(r => $"\"{r}\""))}"));
            }

            if (rule["fieldPath"] is not null)
            {
                var fieldPath = Text(rule["fieldPath"]);
                if (fieldPath.Trim().Length == 0)
                {
                    errors.Add(($"{at}.fieldPath", $"Invalid value: \"{fieldPath}\": fieldPath must be non-empty if specified"));
                }
                else if (!FieldPathValid(schema, fieldPath))
                {
                    errors.Add(($"{at}.fieldPath", $"Invalid value: \"{fieldPath}\": fieldPath must be a valid path"));
                }
            }
        }
    }

    private static void ListType(JsonObject schema, string path, List<(string, string)> errors)
    {
        var listType = schema["x-kubernetes-list-type"] is null ? null : Text(schema["x-kubernetes-list-type"]);
        var keys = (schema["x-kubernetes-list-map-keys"] as JsonArray ?? []).Select(Text).ToList();
        var type = Text(schema["type"]);
        if (listType is not null && type != "array")
        {
            errors.Add(($"{path}.type", type.Length == 0
                ? "Required value: must be array if x-kubernetes-list-type is specified"
                : $"Invalid value: \"{type}\": must be array if x-kubernetes-list-type is specified"));
        }
        else if (listType == "set" && schema["items"] is JsonObject setItems)
        {
            if (Text(setItems["type"]) == "object" && Text(setItems["x-kubernetes-map-type"]) != "atomic")
            {
                errors.Add(($"{path}.items.x-kubernetes-map-type", "Invalid value: \"null\": must be atomic as item of a list with x-kubernetes-list-type=set"));
            }
            else if (Text(setItems["type"]) == "array" && setItems["x-kubernetes-list-type"] is not null && Text(setItems["x-kubernetes-list-type"]) != "atomic")
            {
                errors.Add(($"{path}.items.x-kubernetes-list-type", $"Invalid value: \"{Text(setItems["x-kubernetes-list-type"])}\": must be atomic as item of a list with x-kubernetes-list-type=set"));
            }
        }

        if (listType is not null && listType is not ("atomic" or "set" or "map"))
        {
            errors.Add(($"{path}.x-kubernetes-list-type", $"Unsupported value: \"{listType}\": supported values: \"atomic\", \"set\", \"map\""));
        }

        var keysShown = $"[]string{{{string.Join(", ", keys.Select(k => $"\"{k}\""))}}}";
        if (keys.Count > 0 && listType is null)
        {
            errors.Add(($"{path}.x-kubernetes-list-type", "Required value: must be map if x-kubernetes-list-map-keys is non-empty"));
        }
        else if (keys.Count > 0 && listType != "map")
        {
            errors.Add(($"{path}.x-kubernetes-list-type", $"Invalid value: \"{listType}\": must be map if x-kubernetes-list-map-keys is non-empty"));
        }

        if (listType is "set" or "map" && schema["items"] is JsonObject { } nullableItems && nullableItems["nullable"]?.GetValue<bool>() == true)
        {
            errors.Add(($"{path}.items.nullable", $"Forbidden: cannot be nullable when x-kubernetes-list-type is {listType}"));
        }

        if (listType != "map")
        {
            return;
        }

        if (keys.Count == 0)
        {
            errors.Add(($"{path}.x-kubernetes-list-map-keys", "Required value: must not be empty if x-kubernetes-list-type is map"));
        }

        if (schema["items"] is not JsonObject items)
        {
            errors.Add(($"{path}.items", "Required value: must have a schema if x-kubernetes-list-type is map"));
            return;
        }

        if (Text(items["type"]) != "object")
        {
            errors.Add(($"{path}.items.type", $"Invalid value: \"{Text(items["type"])}\": must be object if parent array's x-kubernetes-list-type is map"));
            return;
        }

        var required = (items["required"] as JsonArray ?? []).Select(Text).ToHashSet(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (items["properties"]?[key] is JsonObject property)
            {
                if (Text(property["type"]) is "array" or "object")
                {
                    errors.Add(($"{path}.items.properties[{key}].type", "Invalid value: \"object\": must be a scalar type if parent array's x-kubernetes-list-type is map"));
                }

                if (!required.Contains(key) && property["default"] is null)
                {
                    errors.Add(($"{path}.items.properties[{key}].default", "Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property"));
                }

                if (property["nullable"]?.GetValue<bool>() == true)
                {
                    errors.Add(($"{path}.items.properties[{key}].nullable", "Forbidden: this property is in x-kubernetes-list-map-keys, so it cannot be nullable"));
                }
            }
            else
            {
                errors.Add(($"{path}.x-kubernetes-list-map-keys", $"Invalid value: {keysShown}: entries must all be names of item properties"));
            }

            if (!seen.Add(key))
            {
                errors.Add(($"{path}.x-kubernetes-list-map-keys", $"Invalid value: {keysShown}: must not contain duplicate entries"));
            }
        }
    }

    /// <summary>cel.ValidFieldPath: each step names a property, a key of additionalProperties, or an index of a list.</summary>
    private static bool FieldPathValid(JsonObject schema, string fieldPath)
    {
        if (SchemaRules.TrySteps(fieldPath) is not { Count: > 0 } steps)
        {
            return false;
        }

        JsonObject? node = schema;
        foreach (var step in steps)
        {
            if (step.StartsWith('['))
            {
                var inside = step[1..^1];
                node = node?["items"] is JsonObject items && long.TryParse(inside, out _) ? items
                    : node?["properties"]?[inside] as JsonObject ?? node?["additionalProperties"] as JsonObject;
            }
            else
            {
                node = node?["properties"]?[step] as JsonObject ?? node?["additionalProperties"] as JsonObject;
            }

            if (node is null)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// structuraldefaulting.ValidateDefaults: each default, pruned and validated against its own schema (with its
    /// rules), as if it were the value; unknown fields in a default are an error.
    /// </summary>
    private static void Defaults(JsonObject schema, string path, List<(string, string)> errors)
    {
        foreach (var (key, child) in schema["properties"] as JsonObject ?? [])
        {
            if (child is JsonObject c)
            {
                Default(c, $"{path}.properties[{key}]", key, errors);
            }
        }

        if (schema["items"] is JsonObject items)
        {
            Default(items, $"{path}.items", "items", errors);
        }

        if (schema["additionalProperties"] is JsonObject additional)
        {
            Default(additional, $"{path}.additionalProperties", "additionalProperties", errors);
        }
    }

    private static void Default(JsonObject schema, string path, string name, List<(string, string)> errors)
    {
        var nulls = schema["default"] is { } given ? NullsIn(given, schema, "").ToList() : [];
        foreach (var (at, type) in nulls)
        {
            errors.Add(($"{path}.default{(at.StartsWith('[') ? "" : ".")}{at}", $"Invalid value: \"null\": {at} in body must be of type {type}: \"null\""));
        }

        if (schema["default"] is not null && nulls.Count == 0)
        {
            var value = schema["default"]?.DeepClone();
            var wrapper = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { [name] = schema.DeepClone() } };
            var obj = new JsonObject { [name] = value?.DeepClone() };
            var found = new List<(string, string)>();
            Schema.ApplyAndValidate(wrapper, obj, found);
            if (Pruned(value, obj[name]))
            {
                errors.Add(($"{path}.default", $"Invalid value: {value?.ToJsonString()}: must not have unknown fields"));
            }

            errors.AddRange(found.Select(e => ($"{path}.default", e.Item2)));
        }

        Defaults(schema, path, errors);
    }

    /// <summary>
    /// The nulls of a default where its schema allows none (not nullable, with a type). ValidateDefaults validates a
    /// default as written: a custom resource's non-nullable nulls are pruned before defaulting, a default's are not.
    /// </summary>
    private static IEnumerable<(string Path, string Type)> NullsIn(JsonNode value, JsonObject schema, string path)
    {
        IEnumerable<(string, JsonNode?, JsonObject?)> children = value switch
        {
            JsonObject o => o.Select(p => (path.Length == 0 ? p.Key : $"{path}.{p.Key}", p.Value, schema["properties"]?[p.Key] as JsonObject ?? schema["additionalProperties"] as JsonObject)),
            JsonArray a => a.Select((item, i) => ($"{path}[{i}]", item, schema["items"] as JsonObject)),
            _ => [],
        };
        foreach (var (childPath, child, childSchema) in children)
        {
            if (childSchema is null)
            {
                continue;
            }

            if (child is not null)
            {
                foreach (var found in NullsIn(child, childSchema, childPath))
                {
                    yield return found;
                }
            }
            else if (childSchema["nullable"]?.GetValue<bool>() != true && childSchema["type"] is not null)
            {
                yield return (childPath, Text(childSchema["type"]));
            }
        }
    }

    /// <summary>Whether pruning took a field out of <paramref name="original"/> (defaulting only adds fields).</summary>
    private static bool Pruned(JsonNode? original, JsonNode? result) => (original, result) switch
    {
        (JsonObject o, JsonObject r) => o.Any(p => !r.ContainsKey(p.Key) || Pruned(p.Value, r[p.Key])),
        (JsonArray o, JsonArray r) => o.Count != r.Count || o.Zip(r).Any(p => Pruned(p.First, p.Second)),
        (JsonObject or JsonArray, _) => true,
        _ => false,
    };

    /// <summary>Each rule compiles; oldSelf only where old and new values correlate; optionalOldSelf only with oldSelf.</summary>
    private static void Rules(JsonObject schema, string path, string? uncorrelatable, List<(string, string)> errors)
    {
        var rules = schema["x-kubernetes-validations"] as JsonArray ?? [];
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i] as JsonObject ?? [];
            var at = $"{path}.x-kubernetes-validations[{i}]";
            var shown = $"apiextensions.ValidationRule{{Rule:\"{Text(rule["rule"])}\", Message:\"{Text(rule["message"])}\", MessageExpression:\"{Text(rule["messageExpression"])}\", FieldPath:\"{Text(rule["fieldPath"])}\"}}";
            CelProgram program;
            try
            {
                program = CelProgram.Compile(Text(rule["rule"]), SchemaRules.Variables);
            }
            catch (CelCompileException e)
            {
                errors.Add(($"{at}.rule", $"Invalid value: {shown}: compilation failed: {e.Message}"));
                continue;
            }

            if (Text(rule["messageExpression"]) is { Length: > 0 } expression)
            {
                try
                {
                    CelProgram.Compile(expression, SchemaRules.Variables);
                }
                catch (CelCompileException e)
                {
                    errors.Add(($"{at}.messageExpression", $"Invalid value: {shown}: messageExpression compilation failed: {e.Message}"));
                }
            }

            if (program.References.Contains("oldSelf") && uncorrelatable is not null)
            {
                errors.Add(($"{at}.rule", $"Invalid value: \"{Text(rule["rule"])}\": oldSelf cannot be used on the uncorrelatable portion of the schema within {uncorrelatable}"));
            }
            else if (!program.References.Contains("oldSelf") && rule["optionalOldSelf"] is JsonValue optional)
            {
                errors.Add(($"{at}.optionalOldSelf", $"Invalid value: {optional.ToJsonString()}: may not be set if oldSelf is not used in rule"));
            }
        }

        // Items of a list are correlatable only in a list-type map (by key); a map-type atomic object not at all.
        var atomicMap = Text(schema["x-kubernetes-map-type"]) == "atomic";
        foreach (var (key, child) in schema["properties"] as JsonObject ?? [])
        {
            if (child is JsonObject c)
            {
                Rules(c, $"{path}.properties[{key}]", uncorrelatable ?? (atomicMap ? path : null), errors);
            }
        }

        if (schema["additionalProperties"] is JsonObject additional)
        {
            Rules(additional, $"{path}.additionalProperties", uncorrelatable ?? (atomicMap ? path : null), errors);
        }

        if (schema["items"] is JsonObject items)
        {
            Rules(items, $"{path}.items", uncorrelatable ?? (Text(schema["x-kubernetes-list-type"]) == "map" ? null : path), errors);
        }
    }
}
