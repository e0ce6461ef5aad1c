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
        var matches = Matcher(route, query, out error);
        if (matches is null)
        {
            return [];
        }

        var prefix = $"{route.Type.Collection}|{route.Namespace}|";
        return _objects
            .Where(p => route.Namespace is null ? p.Key.StartsWith(route.Type.Collection + "|", StringComparison.Ordinal) : p.Key.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Value)
            .Where(matches)
            .ToList();
    }

    /// <summary>The label and field selectors of a request as one predicate; null (and a 400 Status) when one does not parse.</summary>
    private static Func<JsonObject, bool>? Matcher(Route route, IQueryCollection query, out JsonObject? error)
    {
        error = null;
        var labels = LabelSelector.Parse(query["labelSelector"].FirstOrDefault());
        if (labels is null)
        {
            error = Status(400, "BadRequest", "unable to parse requirement: invalid label selector");
            return null;
        }

        var fields = ParseFieldSelector(route.Type, query["fieldSelector"].FirstOrDefault(), out error);
        return fields is null ? null : o => labels.Matches(o) && fields(o);
    }

    /// <summary>
    /// The keys of the listed collection (one namespace, or all) in key order, after <paramref name="after"/> when
    /// given, from the per-namespace sorted index: a page of a continued list costs its own size, not the whole
    /// kind's (a restart of the operator lists 70,000 objects in pages of 100).
    /// </summary>
    private IEnumerable<string> KeysInOrder(Route route, string? after)
    {
        var groups = route.Namespace is null
            ? _keysByNamespace.Where(g => g.Key.StartsWith(route.Type.Collection + "|", StringComparison.Ordinal)).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Value).ToList()
            : _keysByNamespace.TryGetValue($"{route.Type.Collection}|{route.Namespace}|", out var one) ? [one] : [];
        foreach (var keys in groups)
        {
            if (keys.Count == 0 || (after is not null && string.CompareOrdinal(keys.Max, after) <= 0))
            {
                continue;
            }

            var view = after is not null && string.CompareOrdinal(keys.Min, after) <= 0 ? keys.GetViewBetween(after, keys.Max!) : keys;
            foreach (var key in view)
            {
                if ((after is null || string.CompareOrdinal(key, after) > 0) && _objects.ContainsKey(key))
                {
                    yield return key;
                }
            }
        }
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

    /// <summary>
    /// A list, paged as the API concepts describe "Retrieving large results sets in chunks": <c>limit</c> items at most,
    /// and a <c>continue</c> token when more follow. <c>remainingItemCount</c> only on an unfiltered list (ListMeta:
    /// "If the list request contained label or field selectors, then the number of remaining items is unknown and
    /// the field will be left unset"). Unlike etcd, later pages are read from the live store, not a snapshot at the
    /// first page's resourceVersion.
    /// </summary>
    private (int, JsonObject) List(Route route, IQueryCollection query)
    {
        var matches = Matcher(route, query, out var error);
        if (matches is null)
        {
            return (400, error!);
        }

        var meta = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture) };
        var limit = int.TryParse(query["limit"].FirstOrDefault(), CultureInfo.InvariantCulture, out var l) && l > 0 ? l : int.MaxValue;
        string? after = null;
        if (query["continue"].FirstOrDefault() is { Length: > 0 } token)
        {
            // The continue token carries the last key returned; keys are listed in order.
            after = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }

        var filtered = query["labelSelector"].FirstOrDefault() is { Length: > 0 } || query["fieldSelector"].FirstOrDefault() is { Length: > 0 };
        var items = new List<JsonObject>();
        string? lastKey = null;
        using var keys = KeysInOrder(route, after).GetEnumerator();
        while (keys.MoveNext())
        {
            var obj = _objects[keys.Current];
            if (!matches(obj))
            {
                continue;
            }

            if (items.Count == limit)
            {
                // One more matching item exists: this page ends at the previous one.
                meta["continue"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(lastKey!));
                if (!filtered)
                {
                    var remaining = 1;
                    while (keys.MoveNext())
                    {
                        remaining++;
                    }

                    meta["remainingItemCount"] = remaining;
                }

                break;
            }

            items.Add(obj);
            lastKey = keys.Current;
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
