using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>Who a request is ("Authenticating"): a user name and its groups.</summary>
public sealed record UserInfo(string Name, IReadOnlyList<string> Groups)
{
    /// <summary>The identity every token but a service account's gets: the default kubeconfig stays cluster-admin.</summary>
    public static UserInfo Admin { get; } = new("kubernetes-admin", ["system:masters", "system:authenticated"]);

    public bool IsServiceAccount => Name.StartsWith("system:serviceaccount:", StringComparison.Ordinal);

    /// <summary>
    /// <c>Authorization: Bearer system:serviceaccount:&lt;ns&gt;:&lt;name&gt;</c> authenticates as that ServiceAccount with
    /// the groups system:serviceaccounts, system:serviceaccounts:&lt;ns&gt; and system:authenticated (as a real
    /// token of that account would); any other token, or none, is the cluster admin.
    /// </summary>
    public static UserInfo FromAuthorization(string? header)
    {
        const string prefix = "Bearer system:serviceaccount:";
        if (header is null || !header.StartsWith(prefix, StringComparison.Ordinal))
        {
            return Admin;
        }

        var parts = header[prefix.Length..].Trim().Split(':');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            return Admin;
        }

        return new UserInfo($"system:serviceaccount:{parts[0]}:{parts[1]}", ["system:serviceaccounts", $"system:serviceaccounts:{parts[0]}", "system:authenticated"]);
    }
}

/// <summary>What a request asks to do, in RBAC's terms (verb, API group, resource, subresource, namespace, name).</summary>
public sealed record RequestAttributes(string Verb, string Group, string Resource, string? Subresource, string? Namespace, string? Name)
{
    public string FullResource => Subresource is null ? Resource : $"{Resource}/{Subresource}";
}

/// <summary>
/// The RBAC authorizer (plugin/pkg/auth/authorizer/rbac): a request is allowed when a rule of a Role or ClusterRole
/// bound to the user (by a RoleBinding in the request's namespace, or a ClusterRoleBinding) matches its verb, API
/// group, resource (with subresource) and resource name; the group system:masters may do everything.
/// </summary>
internal static class Authorizer
{
    private const string RbacGroup = "rbac.authorization.k8s.io";

    /// <param name="user">The requester.</param>
    /// <param name="request">What it asks.</param>
    /// <param name="objects">The stored RBAC objects: (plural, namespace) → items.</param>
    public static bool Allows(UserInfo user, RequestAttributes request, Func<string, string?, IEnumerable<JsonObject>> objects)
    {
        if (user.Groups.Contains("system:masters"))
        {
            return true;
        }

        return RulesFor(user, request.Namespace, objects).Any(rule => Matches(rule, request));
    }

    /// <summary>Every rule granted to <paramref name="user"/> in <paramref name="ns"/> (and cluster-wide).</summary>
    public static IEnumerable<JsonObject> RulesFor(UserInfo user, string? ns, Func<string, string?, IEnumerable<JsonObject>> objects)
    {
        foreach (var binding in objects("clusterrolebindings", null).Where(b => Binds(b, user, null)))
        {
            foreach (var rule in RoleRules(binding, null, objects))
            {
                yield return rule;
            }
        }

        if (ns is null)
        {
            yield break;
        }

        foreach (var binding in objects("rolebindings", ns).Where(b => Binds(b, user, ns)))
        {
            foreach (var rule in RoleRules(binding, ns, objects))
            {
                yield return rule;
            }
        }
    }

    private static IEnumerable<JsonObject> RoleRules(JsonObject binding, string? ns, Func<string, string?, IEnumerable<JsonObject>> objects)
    {
        var kind = Rules.Text(binding["roleRef"]?["kind"]);
        var name = Rules.Text(binding["roleRef"]?["name"]);
        var role = kind == "ClusterRole"
            ? objects("clusterroles", null).FirstOrDefault(r => Rules.Text(r["metadata"]?["name"]) == name)
            : ns is null ? null : objects("roles", ns).FirstOrDefault(r => Rules.Text(r["metadata"]?["name"]) == name);
        return (role?["rules"] as JsonArray ?? []).OfType<JsonObject>();
    }

    /// <summary>appliesTo: a User by name, a Group by membership, a ServiceAccount by namespace (the binding's own when left out) and name.</summary>
    private static bool Binds(JsonObject binding, UserInfo user, string? bindingNamespace) =>
        Rules.Items(binding["subjects"]).Any(s => Rules.Text(s.Item["kind"]) switch
        {
            "User" => Rules.Text(s.Item["name"]) == user.Name,
            "Group" => user.Groups.Contains(Rules.Text(s.Item["name"]) ?? ""),
            "ServiceAccount" => $"system:serviceaccount:{Rules.Text(s.Item["namespace"]) ?? bindingNamespace}:{Rules.Text(s.Item["name"])}" == user.Name,
            _ => false,
        });

    /// <summary>RuleAllows: verbs, apiGroups, resources ("*", "resource", "resource/sub", "*/sub") and resourceNames.</summary>
    public static bool Matches(JsonObject rule, RequestAttributes request)
    {
        static bool Has(JsonNode? list, string value) => (list as JsonArray ?? []).Any(v => Rules.Text(v) is { } s && (s == "*" || s == value));
        if (!Has(rule["verbs"], request.Verb) || !Has(rule["apiGroups"], request.Group))
        {
            return false;
        }

        var resources = (rule["resources"] as JsonArray ?? []).Select(Rules.Text).ToList();
        var resourceOk = resources.Exists(r => r == "*" || r == request.FullResource || (request.Subresource is not null && r == "*/" + request.Subresource));
        if (!resourceOk)
        {
            return false;
        }

        var names = rule["resourceNames"] as JsonArray;
        return names is not { Count: > 0 } || (request.Name is { } n && names.Any(v => Rules.Text(v) == n));
    }

    /// <summary>The 403 Status upstream writes (responsewriters.ForbiddenStatus with the RBAC reason left empty).</summary>
    public static JsonObject Forbidden(UserInfo user, RequestAttributes request, string? reason = null)
    {
        var qualified = request.Group.Length == 0 ? request.Resource : $"{request.Resource}.{request.Group}";
        var subject = request.Name is null ? qualified : $"{qualified} \"{request.Name}\"";
        var message = reason ?? $"User \"{user.Name}\" cannot {request.Verb} resource \"{request.FullResource}\" in API group \"{request.Group}\" "
            + (request.Namespace is null ? "at the cluster scope" : $"in the namespace \"{request.Namespace}\"");
        return ApiStore.Status(403, "Forbidden", $"{subject} is forbidden: {message}",
            new JsonObject { ["name"] = request.Name, ["group"] = request.Group, ["kind"] = request.Resource });
    }

    /// <summary>The ClusterRole and ClusterRoleBinding a cluster starts with: cluster-admin for system:masters.</summary>
    public static IEnumerable<JsonObject> Bootstrap()
    {
        yield return new JsonObject
        {
            ["apiVersion"] = $"{RbacGroup}/v1",
            ["kind"] = "ClusterRole",
            ["metadata"] = new JsonObject { ["name"] = "cluster-admin", ["labels"] = new JsonObject { ["kubernetes.io/bootstrapping"] = "rbac-defaults" } },
            ["rules"] = new JsonArray(
                new JsonObject { ["apiGroups"] = new JsonArray("*"), ["resources"] = new JsonArray("*"), ["verbs"] = new JsonArray("*") },
                new JsonObject { ["nonResourceURLs"] = new JsonArray("*"), ["verbs"] = new JsonArray("*") }),
        };
        yield return new JsonObject
        {
            ["apiVersion"] = $"{RbacGroup}/v1",
            ["kind"] = "ClusterRoleBinding",
            ["metadata"] = new JsonObject { ["name"] = "cluster-admin", ["labels"] = new JsonObject { ["kubernetes.io/bootstrapping"] = "rbac-defaults" } },
            ["roleRef"] = new JsonObject { ["apiGroup"] = RbacGroup, ["kind"] = "ClusterRole", ["name"] = "cluster-admin" },
            ["subjects"] = new JsonArray(new JsonObject { ["apiGroup"] = RbacGroup, ["kind"] = "Group", ["name"] = "system:masters" }),
        };
    }
}

/// <summary>One authorized request of a service account: what it used.</summary>
public sealed record AccessRecord(string User, string Verb, string Group, string Resource, string? Namespace);

/// <summary>
/// The (verb, group, resource, namespace) each service account used while RBAC was enforced, so a test can tell
/// which granted permissions were never needed.
/// </summary>
public sealed class AccessLog
{
    private readonly Lock _gate = new();
    private readonly HashSet<AccessRecord> _records = [];
    private readonly Func<UserInfo, IReadOnlyList<JsonObject>> _rulesOf;

    internal AccessLog(Func<UserInfo, IReadOnlyList<JsonObject>> rulesOf) => _rulesOf = rulesOf;

    public IReadOnlyCollection<AccessRecord> Records
    {
        get
        {
            lock (_gate)
            {
                return [.. _records];
            }
        }
    }

    internal void Add(AccessRecord record)
    {
        lock (_gate)
        {
            _records.Add(record);
        }
    }

    /// <summary>
    /// The "verb group/resource" permissions the cluster-wide and namespaced rules of <paramref name="user"/> grant
    /// (verbs and resources listed by name; "*" entries are left out) that no recorded request used.
    /// </summary>
    public IReadOnlyList<string> UnusedPermissions(UserInfo user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var used = Records.Where(r => r.User == user.Name).Select(r => $"{r.Verb} {r.Group}/{r.Resource}").ToHashSet(StringComparer.Ordinal);
        var granted = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var rule in _rulesOf(user))
        {
            foreach (var group in (rule["apiGroups"] as JsonArray ?? []).Select(Rules.Text).OfType<string>().Where(g => g != "*"))
            {
                foreach (var resource in (rule["resources"] as JsonArray ?? []).Select(Rules.Text).OfType<string>().Where(r => !r.Contains('*', StringComparison.Ordinal)))
                {
                    foreach (var verb in (rule["verbs"] as JsonArray ?? []).Select(Rules.Text).OfType<string>().Where(v => v != "*"))
                    {
                        granted.Add($"{verb} {group}/{resource}");
                    }
                }
            }
        }

        return [.. granted.Where(g => !used.Contains(g))];
    }
}
