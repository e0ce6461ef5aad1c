using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>One <c>metadata.managedFields</c> entry: a manager's operation and the fields it owns.</summary>
internal sealed record ManagedEntry(string Manager, string Operation, string ApiVersion, string? Subresource, string? Time, HashSet<string> Fields)
{
    /// <summary>Upstream's manager identifier: an applier is one manager whatever apiVersion it applies with.</summary>
    public bool Is(string manager, string operation, string apiVersion, string? subresource) =>
        Manager == manager && Operation == operation && Subresource == subresource && (operation == "Apply" || ApiVersion == apiVersion);
}

/// <summary>A conflict of an apply: a field another manager owns with a different value.</summary>
internal sealed record ApplyConflict(string Path, ManagedEntry Owner);

/// <summary>
/// The field manager of the apiserver ("Server-Side Apply"; k8s.io/apiserver fieldmanager over structured-merge-diff's
/// merge.Updater): who owns which field, recorded on every write as <c>managedFields</c>.
/// </summary>
internal static class ManagedFields
{
    private const char S = StructuredMerge.Separator;

    // The fields stripmeta leaves out of every set: identity and server-set metadata.
    private static readonly HashSet<string> Ignored = new(
        ["f:apiVersion", "f:kind", "f:metadata", $"f:metadata{S}f:name", $"f:metadata{S}f:namespace", $"f:metadata{S}f:creationTimestamp",
            $"f:metadata{S}f:selfLink", $"f:metadata{S}f:uid", $"f:metadata{S}f:generation", $"f:metadata{S}f:managedFields", $"f:metadata{S}f:resourceVersion"],
        StringComparer.Ordinal);

    public static Dictionary<string, string?> FieldsOf(JsonObject obj, Shape shape, bool maps = false)
    {
        var paths = StructuredMerge.Paths(obj, shape, maps);
        foreach (var path in paths.Keys.Where(p => Ignored.Contains(p) || p.StartsWith($"f:metadata{S}f:managedFields{S}", StringComparison.Ordinal)).ToList())
        {
            paths.Remove(path);
        }

        return paths;
    }

    /// <summary>The entries of <paramref name="node"/>; null when it is not a valid managedFields list.</summary>
    public static List<ManagedEntry>? Decode(JsonNode? node)
    {
        if (node is not JsonArray list)
        {
            return null;
        }

        var entries = new List<ManagedEntry>();
        foreach (var item in list)
        {
            if (item is not JsonObject e || e["operation"]?.GetValue<string>() is not ("Apply" or "Update") || e["fieldsType"]?.GetValue<string>() != "FieldsV1"
                || StructuredMerge.FromFieldsV1(e["fieldsV1"]) is not { } fields)
            {
                return null;
            }

            entries.Add(new ManagedEntry(e["manager"]?.GetValue<string>() ?? "", e["operation"]!.GetValue<string>(), e["apiVersion"]?.GetValue<string>() ?? "",
                e["subresource"]?.GetValue<string>(), e["time"]?.GetValue<string>(), fields));
        }

        return entries;
    }

    /// <summary>Sorted as upstream encodes them: by operation, time, manager, apiVersion, subresource.</summary>
    public static JsonArray Encode(IEnumerable<ManagedEntry> entries) =>
    [
        .. entries
            .OrderBy(e => e.Operation, StringComparer.Ordinal).ThenBy(e => e.Time ?? "", StringComparer.Ordinal).ThenBy(e => e.Manager, StringComparer.Ordinal)
            .ThenBy(e => e.ApiVersion, StringComparer.Ordinal).ThenBy(e => e.Subresource ?? "", StringComparer.Ordinal)
            .Select(e => (JsonNode)new JsonObject
            {
                ["manager"] = e.Manager,
                ["operation"] = e.Operation,
                ["apiVersion"] = e.ApiVersion,
                ["time"] = e.Time,
                ["fieldsType"] = "FieldsV1",
                ["fieldsV1"] = StructuredMerge.ToFieldsV1(e.Fields),
                ["subresource"] = e.Subresource,
            }.RemoveNulls()),
    ];

    private static JsonObject RemoveNulls(this JsonObject obj)
    {
        foreach (var key in obj.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            obj.Remove(key);
        }

        return obj;
    }

    /// <summary>Writes <paramref name="entries"/> into <paramref name="obj"/>; no entries, no field.</summary>
    public static void Set(JsonObject obj, List<ManagedEntry> entries)
    {
        var meta = obj["metadata"]!.AsObject();
        if (entries.Count == 0)
        {
            meta.Remove("managedFields");
        }
        else
        {
            meta["managedFields"] = Encode(entries);
        }
    }

    /// <summary>
    /// The entries a write starts from (fieldmanager decodeLiveOrNew): none when the request resets them with
    /// <c>[{}]</c>; those of the request when it sets valid ones; otherwise the live object's, so a client unaware of
    /// the field (or sending <c>[]</c>) never strips it. A subresource write always keeps the live ones.
    /// </summary>
    public static List<ManagedEntry> Base(JsonObject? live, JsonObject incoming, bool subresource)
    {
        var requested = incoming["metadata"]?["managedFields"];
        if (!subresource && requested is JsonArray { Count: > 0 } reset && reset.All(e => e is JsonObject { Count: 0 }))
        {
            return [];
        }

        if (!subresource && Decode(requested) is { Count: > 0 } given)
        {
            return given;
        }

        return Decode(live?["metadata"]?["managedFields"]) ?? [];
    }

    /// <summary>
    /// An Update (create, update, patch): the manager takes every field it added or changed, from whoever owned it,
    /// without conflicts; fields removed leave every set. The manager's time moves only when it took something.
    /// </summary>
    public static List<ManagedEntry> Update(JsonObject? live, JsonObject next, List<ManagedEntry> entries, string manager, string apiVersion, string? subresource, string now, Shape shape)
    {
        var before = live is null ? [] : FieldsOf(live, shape, maps: true);
        var (added, removed, modified) = StructuredMerge.Compare(before, FieldsOf(next, shape, maps: true));
        var taken = added.Union(modified).ToHashSet(StringComparer.Ordinal);
        var result = new List<ManagedEntry>();
        HashSet<string>? previous = null;
        foreach (var e in entries)
        {
            var fields = e.Fields.Where(f => !taken.Contains(f) && !removed.Contains(f)).ToHashSet(StringComparer.Ordinal);
            if (e.Is(manager, "Update", apiVersion, subresource))
            {
                previous = fields;
                if (taken.Count == 0 && fields.Count > 0)
                {
                    result.Add(e with { Fields = fields });
                }
            }
            else if (fields.Count > 0)
            {
                result.Add(e with { Fields = fields });
            }
        }

        if (taken.Count > 0)
        {
            taken.UnionWith(previous ?? []);
            result.Add(new ManagedEntry(manager, "Update", apiVersion, subresource, now, taken));
        }

        return result;
    }

    /// <summary>
    /// An Apply (merge.Updater.Apply): the configuration merged into the live object; fields the manager applied
    /// before and no longer does are removed unless another manager owns them; a field another manager owns that
    /// would change is a conflict, unless forced (then it changes hands). The manager's set is what it applied.
    /// </summary>
    public static (JsonObject Merged, List<ManagedEntry> Entries, List<ApplyConflict> Conflicts) Apply(
        JsonObject live, JsonObject config, List<ManagedEntry> entries, string manager, string apiVersion, string? subresource, bool force, string now, Shape shape)
    {
        var applied = FieldsOf(config, shape).Keys.ToHashSet(StringComparer.Ordinal);
        var last = entries.Find(e => e.Is(manager, "Apply", apiVersion, subresource));
        var others = entries.Where(e => e != last).ToList();
        var merged = (JsonObject)StructuredMerge.Merge(live, config, shape)!;
        if (last is not null)
        {
            var ownedByOthers = others.SelectMany(e => e.Fields).ToHashSet(StringComparer.Ordinal);
            foreach (var path in last.Fields.Where(p => !applied.Contains(p)).OrderByDescending(p => p.Length))
            {
                if (!ownedByOthers.Any(o => o == path || o.StartsWith(path + S, StringComparison.Ordinal)))
                {
                    StructuredMerge.Remove(merged, path, shape);
                }
            }
        }

        var (added, removed, modified) = StructuredMerge.Compare(FieldsOf(live, shape, maps: true), FieldsOf(merged, shape, maps: true));
        var changed = added.Union(modified).ToHashSet(StringComparer.Ordinal);
        var conflicts = others.SelectMany(e => e.Fields.Where(changed.Contains).Order(StringComparer.Ordinal).Select(f => new ApplyConflict(f, e))).ToList();
        if (conflicts.Count > 0 && !force)
        {
            return (live, entries, conflicts);
        }

        var result = new List<ManagedEntry>();
        foreach (var e in others)
        {
            var fields = e.Fields.Where(f => !changed.Contains(f) && !removed.Contains(f)).ToHashSet(StringComparer.Ordinal);
            if (fields.Count > 0)
            {
                result.Add(e with { Fields = fields });
            }
        }

        var same = JsonNode.DeepEquals(WithoutManagedFields(live), WithoutManagedFields(merged));
        if (applied.Count > 0)
        {
            // As upstream: a no-op apply leaves the manager's time alone.
            result.Add(new ManagedEntry(manager, "Apply", apiVersion, subresource, same && last is not null ? last.Time : now, applied));
        }

        return (merged, result, []);
    }

    private static JsonObject WithoutManagedFields(JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        (copy["metadata"] as JsonObject)?.Remove("managedFields");
        return copy;
    }

    /// <summary>The 409 of a conflicting apply, worded as fieldmanager's NewConflictError.</summary>
    public static JsonObject ConflictStatus(List<ApplyConflict> conflicts, string name, ResourceType type)
    {
        static string Manager(ManagedEntry e)
        {
            var text = $"\"{e.Manager}\"";
            if (e.Subresource is not null)
            {
                text += $" with subresource \"{e.Subresource}\"";
            }

            return e.Operation == "Update" ? $"{text} using {e.ApiVersion}" : text;
        }

        string message;
        if (conflicts.Count == 1)
        {
            message = $"Apply failed with 1 conflict: conflict with {Manager(conflicts[0].Owner)}: {StructuredMerge.Display(conflicts[0].Path)}";
        }
        else
        {
            var lines = conflicts.GroupBy(c => Manager(c.Owner)).OrderBy(g => g.Key, StringComparer.Ordinal)
                .SelectMany(g => new[] { $"conflicts with {g.Key}:" }.Concat(g.Select(c => $"- {StructuredMerge.Display(c.Path)}")));
            message = $"Apply failed with {conflicts.Count} conflicts: {string.Join("\n", lines)}";
        }

        var causes = new JsonArray([.. conflicts.Select(c => (JsonNode)new JsonObject
        {
            ["type"] = "FieldManagerConflict",
            ["message"] = $"conflict with {Manager(c.Owner)}",
            ["field"] = StructuredMerge.Display(c.Path),
        })]);
        return ApiStore.Status(409, "Conflict", message, new JsonObject { ["name"] = name, ["group"] = type.Group, ["kind"] = type.Plural, ["causes"] = causes });
    }
}
