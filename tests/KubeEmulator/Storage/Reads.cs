using System.Globalization;
using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>Storage, reads: get and list with label and field selectors.</summary>
internal sealed partial class ApiStore
{
    private (int, JsonObject) Get(Route route)
    {
        return _objects.TryGetValue(Key(route.Type, route.Namespace, route.Name!), out var obj)
            ? (200, (JsonObject)obj.DeepClone())
            : NotFound(route, route.Name!);
    }

    private static (int, JsonObject) NotFound(Route route, string name) =>
        (404, Status(404, "NotFound", $"{route.Type.Plural}{(route.Type.Group.Length > 0 ? "." + route.Type.Group : "")} \"{name}\" not found",
            new JsonObject { ["name"] = name, ["group"] = route.Type.Group, ["kind"] = route.Type.Plural }));

    private IEnumerable<JsonObject> Select(Route route, IQueryCollection query, out JsonObject? error)
    {
        error = null;
        var labels = LabelSelector.Parse(query["labelSelector"].FirstOrDefault());
        if (labels is null)
        {
            error = Status(400, "BadRequest", "unable to parse requirement: invalid label selector");
            return [];
        }

        var fields = ParseFieldSelector(route.Type, query["fieldSelector"].FirstOrDefault(), out error);
        if (fields is null)
        {
            return [];
        }

        var prefix = $"{route.Type.Collection}|{route.Namespace}|";
        return _objects
            .Where(p => route.Namespace is null ? p.Key.StartsWith(route.Type.Collection + "|", StringComparison.Ordinal) : p.Key.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Value)
            .Where(o => labels.Matches(o) && fields(o))
            .ToList();
    }

    /// <summary>"field=value", "field==value", "field!=value" terms joined by commas; null (and a 400 Status) for an unsupported field.</summary>
    private static Func<JsonObject, bool>? ParseFieldSelector(ResourceType type, string? selector, out JsonObject? error)
    {
        error = null;
        var terms = new List<(string Field, string Value, bool Equal)>();
        foreach (var term in (selector ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var negate = term.Contains("!=", StringComparison.Ordinal);
            var parts = term.Split(negate ? "!=" : term.Contains("==", StringComparison.Ordinal) ? "==" : "=", 2);
            if (parts.Length != 2 || !FieldLabelSupported(type, parts[0]))
            {
                error = Status(400, "BadRequest", $"field label not supported: {parts[0]}");
                return null;
            }

            terms.Add((parts[0], parts[1], !negate));
        }

        return o => terms.TrueForAll(t => ((FieldValue(o, t.Field) ?? "") == t.Value) == t.Equal);
    }

    /// <summary>
    /// Every kind supports metadata.name and metadata.namespace; core/v1 Events also the fields their
    /// registry declares (kubectl describe lists an object's Events by involvedObject.*).
    /// </summary>
    private static bool FieldLabelSupported(ResourceType type, string field) =>
        field is "metadata.name" or "metadata.namespace"
        || (type.Plural == "events" && type.Group.Length == 0 && field is "involvedObject.kind" or "involvedObject.namespace" or "involvedObject.name"
            or "involvedObject.uid" or "involvedObject.apiVersion" or "involvedObject.resourceVersion" or "involvedObject.fieldPath"
            or "reason" or "reportingComponent" or "source" or "type");

    private static string? FieldValue(JsonObject obj, string field)
    {
        JsonNode? node = obj;
        foreach (var part in (field == "source" ? "source.component" : field).Split('.'))
        {
            node = node?[part];
        }

        return node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
    }

    private (int, JsonObject) List(Route route, IQueryCollection query)
    {
        var items = Select(route, query, out var error).ToList();
        if (error is not null)
        {
            return (400, error);
        }

        var meta = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture) };
        var limit = int.TryParse(query["limit"].FirstOrDefault(), CultureInfo.InvariantCulture, out var l) && l > 0 ? l : int.MaxValue;
        if (query["continue"].FirstOrDefault() is { Length: > 0 } token)
        {
            // The continue token carries the last key returned; keys are listed in order.
            var after = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(token));
            items = items.Where(o => string.CompareOrdinal(Key(route.Type, Meta(o, "namespace"), Meta(o, "name")!), after) > 0).ToList();
        }

        if (items.Count > limit)
        {
            var last = items[limit - 1];
            meta["continue"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Key(route.Type, Meta(last, "namespace"), Meta(last, "name")!)));
            meta["remainingItemCount"] = items.Count - limit;
            items = items.Take(limit).ToList();
        }

        return (200, new JsonObject
        {
            ["kind"] = route.Type.Kind + "List",
            ["apiVersion"] = route.Type.GroupVersion,
            ["metadata"] = meta,
            ["items"] = new JsonArray([.. items.Select(o => o.DeepClone())]),
        });
    }
}
