using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>
/// Opt-in RBAC (<see cref="EmulatorOptions.Rbac"/>, <c>KUBE_EMULATOR_RBAC=1</c>): every request of a service
/// account token is authorized against the stored Roles, ClusterRoles and bindings before anything else, and
/// OwnerReferencesPermissionEnforcement checks blockOwnerDeletion on create and update.
/// </summary>
internal sealed partial class ApiStore
{
    private AccessLog? _access;

    /// <summary>The requester of the write being dispatched (set under the lock, read by admission).</summary>
    private UserInfo _requestUser = UserInfo.Admin;

    public AccessLog Access => LazyInitializer.EnsureInitialized(ref _access, () => new AccessLog(user =>
    {
        lock (_gate)
        {
            var namespaces = _objects.Values.Select(o => Meta(o, "namespace")).OfType<string>().Distinct().ToList();
            return [.. namespaces.Prepend(null).SelectMany(ns => Authorizer.RulesFor(user, ns, RbacObjects)).Distinct()];
        }
    }));

    /// <summary>Subresources served at a URL: status where the kind has it, pods/log.</summary>
    private static bool ServesSubresource(ResourceType type, string sub) =>
        (sub == "status" && type.HasStatus) || (sub == "log" && type is { IsCustom: false, Group: "", Plural: "pods" });

    private IEnumerable<JsonObject> RbacObjects(string plural, string? ns)
    {
        return InNamespace(BuiltInType("rbac.authorization.k8s.io", plural), ns).Select(p => p.Obj);
    }

    /// <summary>Null when <paramref name="user"/> may do <paramref name="verb"/> on <paramref name="route"/> (or RBAC is off); else the 403 Status.</summary>
    private JsonObject? Authorize(UserInfo user, string verb, Route route)
    {
        if (!_options.Rbac)
        {
            return null;
        }

        var request = new RequestAttributes(verb, route.Type.Group, route.Type.Plural, route.Subresource, route.Namespace, route.Name);
        bool allowed;
        lock (_gate)
        {
            allowed = Authorizer.Allows(user, request, RbacObjects);
        }

        if (!allowed)
        {
            return Authorizer.Forbidden(user, request);
        }

        if (user.IsServiceAccount)
        {
            Access.Add(new AccessRecord(user.Name, verb, route.Type.Group, request.FullResource, route.Namespace));
        }

        return null;
    }

    /// <summary>Null when the requester of an apply that would create the object may also create it (or RBAC is off); else the 403 Status.</summary>
    private JsonObject? ForbiddenToCreateByApply(Route route) => Authorize(_requestUser, "create", route);

    /// <summary>
    /// OwnerReferencesPermissionEnforcement: setting blockOwnerDeletion on a reference the object did not carry
    /// before needs <c>update</c> on the owner's <c>finalizers</c> subresource; 403 otherwise, with upstream's message.
    /// </summary>
    private JsonObject? OwnerReferencesForbidden(ResourceType type, JsonObject obj, JsonObject? old)
    {
        if (!_options.Rbac || _requestUser.Groups.Contains("system:masters"))
        {
            return null;
        }

        var before = (old?["metadata"]?["ownerReferences"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(r => r["blockOwnerDeletion"]?.GetValue<bool>() == true).Select(r => Rules.Text(r["uid"])).ToHashSet(StringComparer.Ordinal);
        foreach (var reference in (obj["metadata"]?["ownerReferences"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (reference["blockOwnerDeletion"]?.GetValue<bool>() != true || before.Contains(Rules.Text(reference["uid"])))
            {
                continue;
            }

            var apiVersion = Rules.Text(reference["apiVersion"]) ?? "";
            var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
            var (group, version) = slash < 0 ? ("", apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
            var ownerType = _types.Find(t => t.Group == group && t.Version == version && t.Kind == Rules.Text(reference["kind"]));
            var ns = ownerType is { Namespaced: true } ? Meta(obj, "namespace") : null;
            var check = new RequestAttributes("update", group, ownerType?.Plural ?? (Rules.Text(reference["kind"]) ?? "").ToLowerInvariant() + "s", "finalizers", ns, Rules.Text(reference["name"]));
            if (ownerType is null || !Authorizer.Allows(_requestUser, check, RbacObjects))
            {
                var qualified = type.Group.Length == 0 ? type.Plural : $"{type.Plural}.{type.Group}";
                return Status(403, "Forbidden",
                    $"{qualified} \"{Meta(obj, "name")}\" is forbidden: cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: , <nil>",
                    new JsonObject { ["name"] = Meta(obj, "name"), ["group"] = type.Group, ["kind"] = type.Plural });
            }

            if (_requestUser.IsServiceAccount)
            {
                Access.Add(new AccessRecord(_requestUser.Name, "update", group, $"{check.Resource}/finalizers", ns));
            }
        }

        return null;
    }

    /// <summary>The bootstrap cluster-admin ClusterRole and its binding to system:masters, as a new cluster has them.</summary>
    private void StoreRbacBootstrap()
    {
        foreach (var obj in Authorizer.Bootstrap())
        {
            var type = BuiltInType("rbac.authorization.k8s.io", obj["kind"]!.GetValue<string>() == "ClusterRole" ? "clusterroles" : "clusterrolebindings");
            Initialize(obj, type, null);
            Store(type, Key(type, null, Meta(obj, "name")!), obj, "ADDED");
        }
    }

    /// <summary>GET pods/{name}/log: text/plain, or the error Status as JSON.</summary>
    private async Task AnswerPodLogAsync(HttpContext context, string verb, Route route)
    {
        var (code, text, error) = PodLogOf(route.Namespace!, route.Name!, context.Request.Query);
        Counts.Add(verb, route.Resource, code);
        if (error is not null)
        {
            await Answer(context, code, error);
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync(text!, context.RequestAborted);
    }
}
