using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>pkg/apis/core/validation ValidateServiceAccount: the name (a DNS-1123 subdomain, checked with every name) and the secret references it lists.</summary>
internal static class ServiceAccountValidation
{
    public static IEnumerable<FieldError> Validate(JsonObject obj)
    {
        foreach (var list in new[] { "secrets", "imagePullSecrets" })
        {
            foreach (var (i, reference) in Rules.Items(obj[list]))
            {
                if (Rules.Text(reference["name"]) is { Length: > 0 } name && !Rules.IsDns1123Subdomain(name))
                {
                    yield return Rules.Invalid($"{list}[{i}].name", name, Rules.Dns1123SubdomainMessage);
                }
            }
        }

        if (obj["automountServiceAccountToken"] is JsonValue v && !v.TryGetValue<bool>(out _))
        {
            yield return Rules.Invalid("automountServiceAccountToken", v, "must be a boolean");
        }
    }
}
