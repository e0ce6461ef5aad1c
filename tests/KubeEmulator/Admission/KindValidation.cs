using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>The upstream validation of each built-in kind, one file a kind under Admission/.</summary>
internal static class KindValidation
{
    public static IEnumerable<FieldError> Validate(ResourceType type, JsonObject obj, JsonObject? old)
    {
        if (type.IsCustom)
        {
            return [];
        }

        return (type.Group, type.Plural) switch
        {
            ("apps", "deployments") => DeploymentValidation.Validate(obj, old),
            ("", "services") => ServiceValidation.Validate(obj),
            ("networking.k8s.io", "ingresses") => IngressValidation.Validate(obj),
            ("networking.k8s.io", "networkpolicies") => NetworkPolicyValidation.Validate(obj),
            ("policy", "poddisruptionbudgets") => PodDisruptionBudgetValidation.Validate(obj),
            ("", "serviceaccounts") => ServiceAccountValidation.Validate(obj),
            ("", "secrets") => SecretValidation.Validate(obj, old),
            ("", "configmaps") => SecretValidation.ValidateConfigMap(obj, old),
            ("apiextensions.k8s.io", "customresourcedefinitions") => CrdValidation.Validate(obj),
            ("rbac.authorization.k8s.io", _) => RbacValidation.Validate(type, obj, old),
            _ => [],
        };
    }
}
