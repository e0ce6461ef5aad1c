using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KubeEmulator;

/// <summary>
/// Who writes: the <c>fieldManager</c> query parameter, else the first segment of the User-Agent as upstream's
/// managerOrUserAgent takes it; <c>force</c> as sent.
/// </summary>
internal sealed record Writer(string? FieldManager, string UserAgent, string? Force, string? FieldValidation = null)
{
    /// <summary>The fieldValidation directive; upstream's default, when none is sent, is Warn.</summary>
    public string Validation => string.IsNullOrEmpty(FieldValidation) ? KubeEmulator.FieldValidation.Warn : FieldValidation;

    /// <summary>Paths of fields the body holds twice.</summary>
    public List<string> Duplicates { get; } = [];

    /// <summary>The texts of the Warning headers of the answer.</summary>
    public List<string> Warnings { get; } = [];

    public string Manager => string.IsNullOrEmpty(FieldManager) ? UserAgent.Split('/')[0] : FieldManager;

    public bool Forced => Force is "true" or "1";

    /// <summary>ValidateFieldManager: at most 128 printable characters.</summary>
    public JsonObject? Invalid(string verb)
    {
        var options = verb switch { "create" => "CreateOptions", "update" => "UpdateOptions", _ => "PatchOptions" };
        if (FieldManager is { Length: > 128 })
        {
            return Admission.Invalid(options, "meta.k8s.io", "", [("fieldManager", "Too long: may not be more than 128 bytes")]);
        }

        if (Validation is not (KubeEmulator.FieldValidation.Strict or KubeEmulator.FieldValidation.Warn or KubeEmulator.FieldValidation.Ignore))
        {
            return Admission.Invalid(options, "meta.k8s.io", "", [("fieldValidation", $"Unsupported value: \"{FieldValidation}\": supported values: \"Ignore\", \"Strict\", \"Warn\"")]);
        }

        if (Validation == KubeEmulator.FieldValidation.Warn)
        {
            Warnings.AddRange(Duplicates.Select(d => $"duplicate field \"{d}\""));
        }

        if (FieldManager is not null && FieldManager.Any(char.IsControl))
        {
            return Admission.Invalid(options, "meta.k8s.io", "", [("fieldManager", $"Invalid value: \"{FieldManager}\": invalid characters")]);
        }

        return null;
    }
}

/// <summary>The body of an apply patch: YAML or JSON (JSON being YAML too), as a JSON tree.</summary>
internal static class ApplyBody
{
    public static JsonNode? Parse(string text, List<string> duplicates)
    {
        if (text.TrimStart().StartsWith('{'))
        {
            return FieldValidation.ParseJson(text, duplicates);
        }

        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        // Re-parsed so numbers behave as those of a JSON body do (any numeric type reads them).
        return stream.Documents.Count == 0 ? null : JsonNode.Parse(ToJson(stream.Documents[0].RootNode)?.ToJsonString() ?? "null");
    }

    private static JsonNode? ToJson(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (key, value) in map.Children)
                {
                    var name = ((YamlScalarNode)key).Value ?? "";
                    if (obj.ContainsKey(name))
                    {
                        throw new YamlException(key.Start, key.End, $"duplicate field \"{name}\"");
                    }

                    obj[name] = ToJson(value);
                }

                return obj;
            case YamlSequenceNode seq:
                return new JsonArray([.. seq.Children.Select(ToJson)]);
            case YamlScalarNode scalar:
                var text = scalar.Value ?? "";
                if (scalar.Style is not ScalarStyle.Plain)
                {
                    return JsonValue.Create(text);
                }

                // The YAML 1.2 core schema of plain scalars, as sigs.k8s.io/yaml decodes them.
                return text switch
                {
                    "" or "~" or "null" or "Null" or "NULL" => null,
                    "true" or "True" or "TRUE" => JsonValue.Create(true),
                    "false" or "False" or "FALSE" => JsonValue.Create(false),
                    _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
                    _ when text.Any(char.IsDigit) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && !text.EndsWith('.') => JsonValue.Create(d),
                    _ => JsonValue.Create(text),
                };
            default:
                throw new YamlException(node.Start, node.End, "unsupported YAML node");
        }
    }
}

/// <content>Server-side apply: PATCH with application/apply-patch+yaml ("Server-Side Apply").</content>
internal sealed partial class ApiStore
{
    private const string ApplyPatchType = "application/apply-patch+yaml";

    private (int, JsonObject) ApplyPatch(Route route, JsonNode? patch, IQueryCollection query, Writer writer)
    {
        if (string.IsNullOrEmpty(writer.FieldManager))
        {
            // ValidatePatchOptions: controllers must name themselves; kubectl sends "kubectl".
            return (422, Admission.Invalid("PatchOptions", "meta.k8s.io", "", [("fieldManager", "Required value: is required for apply patch")]));
        }

        if (patch is not JsonObject config)
        {
            return (400, Status(400, "BadRequest", "the apply configuration must be one object"));
        }

        if (config["apiVersion"]?.GetValue<string>() is { } apiVersion && apiVersion != route.Type.GroupVersion)
        {
            return (400, Status(400, "BadRequest", $"Incorrect version specified in apply patch. Specified patch version: {apiVersion}, expected: {route.Type.GroupVersion}"));
        }

        if (config["kind"]?.GetValue<string>() is { } kind && kind != route.Type.Kind)
        {
            return (400, Status(400, "BadRequest", $"Incorrect kind specified in apply patch. Specified patch kind: {kind}, expected: {route.Type.Kind}"));
        }

        var meta = config["metadata"] as JsonObject ?? [];
        config["metadata"] = meta;
        if (meta["managedFields"] is not null)
        {
            return (400, Status(400, "BadRequest", "metadata.managedFields must be nil"));
        }

        if (meta["name"]?.GetValue<string>() is { } name && name != route.Name)
        {
            return (400, Status(400, "BadRequest", $"the name of the object ({name}) does not match the name on the URL ({route.Name})"));
        }

        if (meta["namespace"]?.GetValue<string>() is { } ns && ns != route.Namespace)
        {
            return (400, Status(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request"));
        }

        meta["name"] = route.Name;
        config["apiVersion"] = route.Type.GroupVersion;
        config["kind"] = route.Type.Kind;
        if (route.Subresource == "status")
        {
            // The status subresource applies status only (its strategy resets everything else).
            foreach (var field in config.Select(p => p.Key).Where(k => k is not ("apiVersion" or "kind" or "metadata" or "status")).ToList())
            {
                config.Remove(field);
            }

            config["metadata"] = new JsonObject { ["name"] = route.Name };
        }
        else if (route.Type.HasStatus)
        {
            config.Remove("status");
        }

        var key = Key(route.Type, route.Namespace, route.Name!);
        var shape = Shape.For(route.Type);
        if (!_objects.TryGetValue(key, out var current))
        {
            if (route.Subresource is not null)
            {
                return NotFound(route, route.Name!);
            }

            // Apply creates what is missing, and is then authorized as create too (handlers/patch.go: the create
            // validation of an apply runs withAuthorization on the create attributes).
            if (ForbiddenToCreateByApply(route) is { } forbidden)
            {
                return (403, forbidden);
            }

            var empty = new JsonObject { ["apiVersion"] = route.Type.GroupVersion, ["kind"] = route.Type.Kind, ["metadata"] = new JsonObject { ["name"] = route.Name } };
            var created = ManagedFields.Apply(empty, config, [], writer.FieldManager, route.Type.GroupVersion, null, writer.Forced, Now(), shape);
            return Create(route with { Name = null }, created.Merged, query, writer, created.Entries);
        }

        if (meta["resourceVersion"]?.GetValue<string>() is { } rv && rv != Meta(current, "resourceVersion"))
        {
            return (409, Status(409, "Conflict", $"Operation cannot be fulfilled on {route.Type.Plural} \"{route.Name}\": the object has been modified; please apply your changes to the latest version and try again"));
        }

        var entries = ManagedFields.Decode(current["metadata"]?["managedFields"]) ?? [];
        var (merged, applied, conflicts) = ManagedFields.Apply((JsonObject)current.DeepClone(), config, entries, writer.FieldManager, route.Type.GroupVersion, route.Subresource, writer.Forced, Now(), shape);
        if (conflicts.Count > 0)
        {
            return (409, ManagedFields.ConflictStatus(conflicts, route.Name!, route.Type));
        }

        return Replace(route, key, current, merged, writer, applied);
    }
}
