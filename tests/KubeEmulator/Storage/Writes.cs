using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>Storage, writes: create, update, patch, and storing or removing an object.</summary>
internal sealed partial class ApiStore
{
    private void Initialize(JsonObject obj, ResourceType type, string? ns)
    {
        var meta = obj["metadata"]!.AsObject();
        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = Now();
        if (type.HasStatus || type.IsCustom)
        {
            meta["generation"] = 1L;
        }

        if (ns is not null)
        {
            meta["namespace"] = ns;
        }

        obj["apiVersion"] = type.GroupVersion;
        obj["kind"] = type.Kind;
    }

    private (int, JsonObject) Create(Route route, JsonObject? body, IQueryCollection query, Writer writer, List<ManagedEntry>? applied = null)
    {
        if (body is null || route.Name is not null || route.Subresource is not null)
        {
            return (400, Status(400, "BadRequest", "the body must be one object, posted to its collection"));
        }

        if (route.Namespace is null && route.Type.Namespaced)
        {
            return (404, Status(404, "NotFound", "a namespaced resource is created in a namespace"));
        }

        var meta = body["metadata"] as JsonObject ?? [];
        body["metadata"] = meta;
        if (meta["name"] is null && meta["generateName"]?.GetValue<string>() is { Length: > 0 } prefix)
        {
            meta["name"] = prefix + Convert.ToHexString(Guid.NewGuid().ToByteArray())[..5].ToLowerInvariant();
        }

        var name = meta["name"]?.GetValue<string>() ?? "";
        var invalid = Admission.ValidateName(route.Type, name);
        if (meta["namespace"]?.GetValue<string>() is { } bodyNs && bodyNs != route.Namespace)
        {
            return (400, Status(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request"));
        }

        if (invalid is not null)
        {
            return (422, Admission.Invalid(route.Type, name, [("metadata.name", invalid)]));
        }

        if (route.Namespace is not null)
        {
            if (!_objects.TryGetValue(Key(_types[0], null, route.Namespace), out var ns))
            {
                return (404, Status(404, "NotFound", $"namespaces \"{route.Namespace}\" not found", new JsonObject { ["name"] = route.Namespace, ["kind"] = "namespaces" }));
            }

            if (ns["metadata"]?["deletionTimestamp"] is not null)
            {
                return (403, Status(403, "Forbidden", $"unable to create new content in namespace {route.Namespace} because it is being terminated"));
            }
        }

        var key = Key(route.Type, route.Namespace, name);
        if (_objects.ContainsKey(key))
        {
            return (409, Status(409, "AlreadyExists", $"{route.Type.Plural} \"{name}\" already exists", new JsonObject { ["name"] = name, ["kind"] = route.Type.Plural }));
        }

        foreach (var field in new[] { "resourceVersion", "uid", "creationTimestamp", "deletionTimestamp", "generation" })
        {
            meta.Remove(field);
        }

        Initialize(body, route.Type, route.Namespace);
        if (route.Type.HasStatus && route.Type.Plural != "namespaces")
        {
            // "API Conventions": with a status subresource, status is not set by create.
            body.Remove("status");
        }

        var errors = Validate(route.Type, body, null, writer);
        if (errors is not null)
        {
            return (errors["code"]!.GetValue<int>(), errors);
        }

        if (OwnerReferencesForbidden(route.Type, body, null) is { } forbidden)
        {
            return (403, forbidden);
        }

        ManagedFields.Set(body, applied ?? ManagedFields.Update(null, body, ManagedFields.Base(null, body, false), writer.Manager, route.Type.GroupVersion, null, Now(), Shape.For(route.Type)));
        if (query["dryRun"].FirstOrDefault() == "All")
        {
            return (201, (JsonObject)body.DeepClone());
        }

        Store(route.Type, key, body, "ADDED");
        AfterWrite(route.Type, body);
        return (201, (JsonObject)body.DeepClone());
    }

    /// <summary>Field validation, defaulting, then validation: null, or the 400 (strict decoding) or 422 to answer.</summary>
    private JsonObject? Validate(ResourceType type, JsonObject obj, JsonObject? old, Writer writer)
    {
        var unknown = FieldValidation.PruneUnknown(type, obj);

        // Defaulting comes before validation, on create and on update alike.
        var errors = new List<(string, string)>(Defaults.Apply(type, obj, old, AllocateClusterIp));
        if (type.Schema is not null)
        {
            Schema.ApplyAndValidate(type.Schema, obj, errors, old, unknown);
        }

        if (unknown.Count > 0 && writer.Validation == FieldValidation.Strict)
        {
            return Status(400, "BadRequest", "strict decoding error: " + string.Join(", ", unknown.Select(u => $"unknown field \"{u}\"")));
        }

        if (writer.Validation == FieldValidation.Warn)
        {
            writer.Warnings.AddRange(unknown.Select(u => $"unknown field \"{u}\""));
        }

        errors.AddRange(Admission.ValidateMetadata(obj));
        errors.AddRange(Admission.ValidateKind(type, obj, old));
        return errors.Count == 0 ? null : Admission.Invalid(type, Meta(obj, "name") ?? "", errors);
    }

    private (int, JsonObject) Update(Route route, JsonObject? body, Writer writer)
    {
        if (body is null || route.Name is null)
        {
            return (400, Status(400, "BadRequest", "the body must be one object"));
        }

        var key = Key(route.Type, route.Namespace, route.Name);
        if (!_objects.TryGetValue(key, out var current))
        {
            return NotFound(route, route.Name);
        }

        if (body["metadata"]?["name"]?.GetValue<string>() is { } bodyName && bodyName != route.Name)
        {
            return (400, Status(400, "BadRequest", "the name of the object does not match the name on the URL"));
        }

        var rv = body["metadata"]?["resourceVersion"]?.GetValue<string>();
        if (rv is null && route.Type.IsCustom)
        {
            // Custom resources do not allow unconditional updates ("API Concepts": metadata.resourceVersion must be specified for an update).
            return (422, Admission.Invalid(route.Type, route.Name, [("metadata.resourceVersion", "Invalid value: 0x0: must be specified for an update")]));
        }

        if (rv is not null && rv != Meta(current, "resourceVersion"))
        {
            return (409, Status(409, "Conflict", $"Operation cannot be fulfilled on {route.Type.Plural} \"{route.Name}\": the object has been modified; please apply your changes to the latest version and try again", new JsonObject { ["name"] = route.Name, ["kind"] = route.Type.Plural }));
        }

        return Replace(route, key, current, body, writer);
    }

    /// <summary>Stores <paramref name="body"/> as the new state after the rules of the main resource or the status subresource.</summary>
    private (int, JsonObject) Replace(Route route, string key, JsonObject current, JsonObject body, Writer writer, List<ManagedEntry>? applied = null)
    {
        JsonObject next;
        if (route.Subresource == "status")
        {
            // "API Conventions": the /status subresource ignores everything but status.
            next = (JsonObject)current.DeepClone();
            next["status"] = body["status"]?.DeepClone();
        }
        else
        {
            next = (JsonObject)body.DeepClone();
            var meta = next["metadata"] as JsonObject ?? [];
            next["metadata"] = meta;
            foreach (var field in new[] { "creationTimestamp", "generation", "deletionTimestamp", "namespace", "name", "resourceVersion" })
            {
                meta[field] = current["metadata"]![field]?.DeepClone();
                if (meta[field] is null)
                {
                    meta.Remove(field);
                }
            }

            if (meta["uid"] is { } uid && uid.GetValue<string>() != Meta(current, "uid"))
            {
                return (422, Admission.Invalid(route.Type, route.Name!, [("metadata.uid", "Invalid value: field is immutable")]));
            }

            meta["uid"] = current["metadata"]!["uid"]!.DeepClone();
            next["apiVersion"] = route.Type.GroupVersion;
            next["kind"] = route.Type.Kind;
            if (route.Type.HasStatus)
            {
                next["status"] = current["status"]?.DeepClone();
                if (next["status"] is null)
                {
                    next.Remove("status");
                }
            }

            if (meta["deletionTimestamp"] is not null && meta["finalizers"] is JsonArray added
                && added.Any(f => current["metadata"]?["finalizers"] is not JsonArray had || !had.Any(h => h?.GetValue<string>() == f?.GetValue<string>())))
            {
                return (422, Admission.Invalid(route.Type, route.Name!, [("metadata.finalizers", "Forbidden: no new finalizers can be added if the object is being deleted")]));
            }
        }

        var errors = Validate(route.Type, next, current, writer);
        if (errors is not null)
        {
            return (errors["code"]!.GetValue<int>(), errors);
        }

        if (OwnerReferencesForbidden(route.Type, next, current) is { } forbidden)
        {
            return (403, forbidden);
        }

        if (route.Subresource is null && (route.Type.HasStatus || route.Type.IsCustom) && !SameExcept(next, current, "metadata", "status"))
        {
            // "API Conventions": metadata.generation moves on changes of the desired state only.
            next["metadata"]!["generation"] = (current["metadata"]!["generation"]?.GetValue<long>() ?? 1) + 1;
        }

        ManagedFields.Set(next, applied ?? ManagedFields.Update(current, next, ManagedFields.Base(current, body, route.Subresource is not null), writer.Manager, route.Type.GroupVersion, route.Subresource, Now(), Shape.For(route.Type)));
        if (JsonNode.DeepEquals(next, current))
        {
            // A no-op write stores nothing: same resourceVersion, no watch event.
            return (200, (JsonObject)current.DeepClone());
        }

        if (next["metadata"]?["deletionTimestamp"] is not null && next["metadata"]?["finalizers"] is not JsonArray { Count: > 0 })
        {
            Remove(route.Type, key, next);
            return (200, (JsonObject)next.DeepClone());
        }

        Store(route.Type, key, next, "MODIFIED");
        AfterWrite(route.Type, next);
        return (200, (JsonObject)next.DeepClone());
    }

    private static bool SameExcept(JsonObject a, JsonObject b, params string[] ignored)
    {
        var keys = a.Select(p => p.Key).Concat(b.Select(p => p.Key)).Where(k => !ignored.Contains(k)).Distinct();
        return keys.All(k => JsonNode.DeepEquals(a[k], b[k]));
    }

    private (int, JsonObject) Patch(Route route, JsonNode? patch, string contentType, IQueryCollection query, Writer writer)
    {
        if (route.Name is null || patch is null)
        {
            return (400, Status(400, "BadRequest", "a patch names one object and has a body"));
        }

        var mediaType = contentType.Split(';')[0].Trim();
        if (mediaType == ApplyPatchType)
        {
            return ApplyPatch(route, patch, query, writer);
        }

        if (writer.Force is not null)
        {
            return (422, Admission.Invalid("PatchOptions", "meta.k8s.io", "", [("force", "Forbidden: may not be specified for non-apply patch")]));
        }

        var key = Key(route.Type, route.Namespace, route.Name);
        if (!_objects.TryGetValue(key, out var current))
        {
            return NotFound(route, route.Name);
        }

        JsonObject? patched;
        switch (mediaType)
        {
            case "application/merge-patch+json":
                patched = Patches.Merge(current.DeepClone(), patch) as JsonObject;
                break;
            case "application/strategic-merge-patch+json":
                if (route.Type.IsCustom)
                {
                    return (415, Status(415, "UnsupportedMediaType", "strategic merge patch is not supported for custom resources"));
                }

                patched = Patches.Strategic(current.DeepClone(), patch) as JsonObject;
                break;
            case "application/json-patch+json":
                if (patch is not JsonArray ops)
                {
                    return (400, Status(400, "BadRequest", "a JSON patch is an array of operations"));
                }

                var (ok, result, message) = Patches.Json((JsonObject)current.DeepClone(), ops);
                if (!ok)
                {
                    return (422, Status(422, "Invalid", message));
                }

                patched = result;
                break;
            default:
                return (415, Status(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json application/apply-patch+yaml (got {mediaType})"));
        }

        if (patched is null)
        {
            return (400, Status(400, "BadRequest", "the patch does not yield an object"));
        }

        var rv = patched["metadata"]?["resourceVersion"]?.GetValue<string>();
        if (rv is not null && rv != Meta(current, "resourceVersion"))
        {
            return (409, Status(409, "Conflict", $"Operation cannot be fulfilled on {route.Type.Plural} \"{route.Name}\": the object has been modified; please apply your changes to the latest version and try again"));
        }

        return Replace(route, key, current, patched, writer);
    }

    private void Remove(ResourceType type, string key, JsonObject obj)
    {
        if (!_objects.Remove(key))
        {
            return;
        }

        // Its ReplicaSets and pods go with a Deployment: one created again under the same name starts from none.
        _deploymentPods.Remove(key);
        _deploymentRuns.Remove(key);

        var deleted = (JsonObject)obj.DeepClone();
        deleted["metadata"]!["resourceVersion"] = NextVersion();
        Publish(type, "DELETED", deleted, null);
        AfterChange(type, deleted);
        if (type.Plural == "customresourcedefinitions")
        {
            Crds.Uninstall(_types, deleted);
            foreach (var (k, o) in _objects.Where(p => TypeOf(p.Key) is null).ToList())
            {
                _objects.Remove(k);
            }
        }

        // "Garbage Collection", background: dependents whose last owner is gone are deleted.
        foreach (var (depType, depKey, dep) in Dependents(Meta(obj, "uid")!))
        {
            var refs = (JsonArray)dep["metadata"]!["ownerReferences"]!;
            var alive = refs.Any(r => r?["uid"]?.GetValue<string>() != Meta(obj, "uid") && _objects.Values.Any(o => Meta(o, "uid") == r?["uid"]?.GetValue<string>()));
            if (!alive && _objects.ContainsKey(depKey))
            {
                DeleteObject(depType, depKey, dep, "Background");
            }
        }

        CompleteForeground();
        if (Meta(obj, "namespace") is { } ns && _objects.TryGetValue(Key(_types[0], null, ns), out var nsObj) && nsObj["metadata"]?["deletionTimestamp"] is not null
            && !_objects.Any(p => Meta(p.Value, "namespace") == ns))
        {
            Remove(_types[0], Key(_types[0], null, ns), nsObj);
        }
    }

    private void Store(ResourceType type, string key, JsonObject obj, string eventType)
    {
        _objects.TryGetValue(key, out var old);
        obj["metadata"]!["resourceVersion"] = NextVersion();
        _objects[key] = obj;
        Publish(type, eventType, obj, old);
        if (type.Plural == "customresourcedefinitions")
        {
            Crds.Install(_types, obj);
        }

        AfterChange(type, obj);
    }
}
