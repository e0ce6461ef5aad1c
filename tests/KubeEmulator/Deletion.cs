using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>Deletion: delete and deletecollection, finalizers, garbage collection (background, foreground, orphan) and namespaces.</summary>
internal sealed partial class ApiStore
{
    private (int, JsonObject) Delete(Route route, JsonObject? options, IQueryCollection query)
    {
        var key = Key(route.Type, route.Namespace, route.Name!);
        if (!_objects.TryGetValue(key, out var current))
        {
            return NotFound(route, route.Name!);
        }

        var policy = query["propagationPolicy"].FirstOrDefault() ?? options?["propagationPolicy"]?.GetValue<string>() ?? "Background";
        if (options?["preconditions"]?["resourceVersion"]?.GetValue<string>() is { } pre && pre != Meta(current, "resourceVersion"))
        {
            return (409, Status(409, "Conflict", "Precondition failed: resourceVersion does not match"));
        }

        return (200, DeleteObject(route.Type, key, current, policy));
    }

    private JsonObject DeleteObject(ResourceType type, string key, JsonObject current, string policy)
    {
        if (policy == "Orphan")
        {
            // "Garbage Collection", orphan: dependents stay, with the reference to this owner removed
            // (upstream does it through the "orphan" finalizer before the owner goes).
            Orphan(Meta(current, "uid")!);
        }

        var finalizers = current["metadata"]?["finalizers"] as JsonArray;
        var dependents = Dependents(Meta(current, "uid")!).ToList();
        var needsForeground = policy == "Foreground" && dependents.Count > 0;
        if (type.Plural == "namespaces" || finalizers is { Count: > 0 } || needsForeground)
        {
            // "Finalizers": the object is only marked; it goes when the last finalizer is removed.
            var next = (JsonObject)current.DeepClone();
            var meta = next["metadata"]!.AsObject();
            meta["deletionTimestamp"] ??= Now();
            if (needsForeground && !(finalizers?.Any(f => f?.GetValue<string>() == "foregroundDeletion") ?? false))
            {
                var list = finalizers is null ? [] : (JsonArray)finalizers.DeepClone();
                list.Add("foregroundDeletion");
                meta["finalizers"] = list;
            }

            if (type.Plural == "namespaces")
            {
                next["status"] = new JsonObject { ["phase"] = "Terminating" };
            }

            if (!JsonNode.DeepEquals(next, current))
            {
                Store(type, key, next, "MODIFIED");
            }

            if (needsForeground)
            {
                foreach (var (depType, depKey, dep) in dependents)
                {
                    DeleteObject(depType, depKey, dep, "Foreground");
                }
            }

            if (type.Plural == "namespaces")
            {
                EmptyNamespace(Meta(current, "name")!);
            }

            CompleteForeground();
            return _objects.TryGetValue(key, out var marked) ? (JsonObject)marked.DeepClone() : next;
        }

        Remove(type, key, current);
        return policy == "Orphan" || type.IsCustom || type.HasStatus ? (JsonObject)current.DeepClone() : Status(200, "Success", "deleted", new JsonObject { ["name"] = Meta(current, "name"), ["kind"] = type.Plural, ["uid"] = Meta(current, "uid") });
    }

    private void Orphan(string ownerUid)
    {
        foreach (var (depType, depKey, dep) in Dependents(ownerUid))
        {
            var next = (JsonObject)dep.DeepClone();
            var refs = (JsonArray)next["metadata"]!["ownerReferences"]!;
            foreach (var reference in refs.Where(r => r?["uid"]?.GetValue<string>() == ownerUid).ToList())
            {
                refs.Remove(reference);
            }

            if (refs.Count == 0)
            {
                next["metadata"]!.AsObject().Remove("ownerReferences");
            }

            Store(depType, depKey, next, "MODIFIED");
        }
    }

    private void EmptyNamespace(string ns)
    {
        foreach (var (key, obj) in _objects.Where(p => Meta(p.Value, "namespace") == ns).ToList())
        {
            if (_objects.ContainsKey(key))
            {
                DeleteObject(TypeOf(key), key, obj, "Background");
            }
        }

        var nsKey = Key(_types[0], null, ns);
        if (!_objects.Any(p => Meta(p.Value, "namespace") == ns) && _objects.TryGetValue(nsKey, out var nsObj))
        {
            Remove(_types[0], nsKey, nsObj);
        }
    }

    private ResourceType TypeOf(string key)
    {
        var collection = key[..key.IndexOf('|', StringComparison.Ordinal)];
        return _types.Find(t => t.Collection == collection)!;
    }

    private IEnumerable<(ResourceType, string, JsonObject)> Dependents(string uid) =>
        _objects.Where(p => p.Value["metadata"]?["ownerReferences"] is JsonArray refs && refs.Any(r => r?["uid"]?.GetValue<string>() == uid))
            .Select(p => (TypeOf(p.Key), p.Key, p.Value))
            .ToList();

    /// <summary>"Garbage Collection", foreground: an owner marked with foregroundDeletion goes once no blocking dependent is left.</summary>
    private void CompleteForeground()
    {
        bool removed;
        do
        {
            removed = false;
            foreach (var (key, obj) in _objects.ToList())
            {
                if (obj["metadata"]?["finalizers"] is JsonArray fins && fins.Count == 1 && fins[0]?.GetValue<string>() == "foregroundDeletion"
                    && !Dependents(Meta(obj, "uid")!).Any(d => d.Item3["metadata"]?["ownerReferences"] is JsonArray refs
                        && refs.Any(r => r?["uid"]?.GetValue<string>() == Meta(obj, "uid") && r?["blockOwnerDeletion"]?.GetValue<bool>() == true)))
                {
                    foreach (var dep in Dependents(Meta(obj, "uid")!))
                    {
                        DeleteObject(dep.Item1, dep.Item2, dep.Item3, "Background");
                    }

                    Remove(TypeOf(key), key, obj);
                    removed = true;
                }
            }
        }
        while (removed);
    }

    private (int, JsonObject) DeleteCollection(Route route, IQueryCollection query)
    {
        var items = Select(route, query, out var error).ToList();
        if (error is not null)
        {
            return (400, error);
        }

        foreach (var item in items)
        {
            var key = Key(route.Type, Meta(item, "namespace"), Meta(item, "name")!);
            if (_objects.TryGetValue(key, out var current))
            {
                DeleteObject(route.Type, key, current, query["propagationPolicy"].FirstOrDefault() ?? "Background");
            }
        }

        return (200, Status(200, "Success", $"{items.Count} deleted"));
    }
}
