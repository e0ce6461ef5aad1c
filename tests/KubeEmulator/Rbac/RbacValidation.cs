using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>pkg/apis/rbac/validation: rules with verbs and API groups, bindings with a valid roleRef (immutable) and subjects.</summary>
internal static class RbacValidation
{
    public static IEnumerable<FieldError> Validate(ResourceType type, JsonObject obj, JsonObject? old = null)
    {
        var errors = new List<FieldError>();
        if (type.Plural is "roles" or "clusterroles")
        {
            foreach (var (i, rule) in Rules.Items(obj["rules"]))
            {
                var r = $"rules[{i}]";
                if (rule["verbs"] is not JsonArray { Count: > 0 })
                {
                    errors.Add(Rules.Required($"{r}.verbs", "verbs must contain at least one value"));
                }

                var urls = rule["nonResourceURLs"] as JsonArray;
                if (urls is { Count: > 0 })
                {
                    if (type.Plural == "roles")
                    {
                        errors.Add(Rules.Invalid($"{r}.nonResourceURLs", urls, "namespaced rules cannot apply to non-resource URLs"));
                    }

                    if (rule["apiGroups"] is JsonArray { Count: > 0 } || rule["resources"] is JsonArray { Count: > 0 })
                    {
                        errors.Add(Rules.Invalid($"{r}.nonResourceURLs", urls, "rules cannot apply to both regular resources and non-resource URLs"));
                    }

                    continue;
                }

                if (rule["apiGroups"] is not JsonArray { Count: > 0 })
                {
                    errors.Add(Rules.Required($"{r}.apiGroups", "resource rules must supply at least one api group"));
                }

                if (rule["resources"] is not JsonArray { Count: > 0 })
                {
                    errors.Add(Rules.Required($"{r}.resources", "resource rules must supply at least one resource"));
                }
            }

            return errors;
        }

        var roleRef = obj["roleRef"] as JsonObject ?? [];
        var cluster = type.Plural == "clusterrolebindings";
        if (Rules.Text(roleRef["apiGroup"]) != "rbac.authorization.k8s.io")
        {
            errors.Add(Rules.NotSupported("roleRef.apiGroup", roleRef["apiGroup"], "rbac.authorization.k8s.io"));
        }

        var kinds = cluster ? new[] { "ClusterRole" } : ["Role", "ClusterRole"];
        if (!kinds.Contains(Rules.Text(roleRef["kind"])))
        {
            errors.Add(Rules.NotSupported("roleRef.kind", roleRef["kind"], kinds));
        }

        if (Rules.Text(roleRef["name"]) is not { Length: > 0 })
        {
            errors.Add(Rules.Required("roleRef.name"));
        }

        foreach (var (i, subject) in Rules.Items(obj["subjects"]))
        {
            var s = $"subjects[{i}]";
            if (Rules.Text(subject["name"]) is not { Length: > 0 })
            {
                errors.Add(Rules.Required($"{s}.name"));
            }

            switch (Rules.Text(subject["kind"]))
            {
                case "ServiceAccount":
                    if (cluster && Rules.Text(subject["namespace"]) is not { Length: > 0 })
                    {
                        errors.Add(Rules.Required($"{s}.namespace"));
                    }

                    break;
                case "User" or "Group":
                    if (Rules.Text(subject["apiGroup"]) != "rbac.authorization.k8s.io")
                    {
                        errors.Add(Rules.NotSupported($"{s}.apiGroup", subject["apiGroup"], "rbac.authorization.k8s.io"));
                    }

                    break;
                default:
                    errors.Add(Rules.NotSupported($"{s}.kind", subject["kind"], "ServiceAccount", "User", "Group"));
                    break;
            }
        }

        if (old is not null && !JsonNode.DeepEquals(old["roleRef"], obj["roleRef"]))
        {
            errors.Add(Rules.Invalid("roleRef", roleRef, "cannot change roleRef"));
        }

        return errors;
    }
}
