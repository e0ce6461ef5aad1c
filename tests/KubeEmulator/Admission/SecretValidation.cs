using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>
/// pkg/apis/core/validation ValidateSecret and ValidateConfigMap: keys of <c>[-._a-zA-Z0-9]+</c> (not "." or ".."),
/// total data at most 1 MiB, the keys a secret type requires, type and data immutable as declared.
/// </summary>
internal static class SecretValidation
{
    private const int MaxSecretSize = 1024 * 1024;

    public static IEnumerable<FieldError> Validate(JsonObject obj, JsonObject? old)
    {
        var errors = new List<FieldError>();
        var data = obj["data"] as JsonObject ?? [];
        var total = 0;
        foreach (var (key, value) in data)
        {
            errors.AddRange(Key($"data[{key}]", key));
            total += DecodedLength(Rules.Text(value));
        }

        if (total > MaxSecretSize)
        {
            errors.Add(new FieldError("data", $"Too long: may not be more than {MaxSecretSize} bytes"));
        }

        var type = Rules.Text(obj["type"]) ?? "Opaque";
        var required = type switch
        {
            "kubernetes.io/tls" => new[] { "tls.crt", "tls.key" },
            "kubernetes.io/dockerconfigjson" => [".dockerconfigjson"],
            "kubernetes.io/dockercfg" => [".dockercfg"],
            _ => [],
        };
        foreach (var key in required.Where(k => data[k] is null))
        {
            errors.Add(Rules.Required($"data[{key}]"));
        }

        if (type == "kubernetes.io/basic-auth" && data["username"] is null && data["password"] is null)
        {
            errors.Add(Rules.Required("data[username]"));
        }

        if (type == "kubernetes.io/service-account-token" && obj["metadata"]?["annotations"]?["kubernetes.io/service-account.name"] is null)
        {
            errors.Add(Rules.Required("metadata.annotations[kubernetes.io/service-account.name]"));
        }

        if (old is not null)
        {
            if ((Rules.Text(old["type"]) ?? "Opaque") != type)
            {
                errors.Add(Rules.Invalid("type", type, "field is immutable"));
            }

            errors.AddRange(Immutable(obj, old));
        }

        return errors;
    }

    public static IEnumerable<FieldError> ValidateConfigMap(JsonObject obj, JsonObject? old)
    {
        var errors = new List<FieldError>();
        var total = 0;
        foreach (var (key, value) in obj["data"] as JsonObject ?? [])
        {
            errors.AddRange(Key($"data[{key}]", key));
            total += key.Length + System.Text.Encoding.UTF8.GetByteCount(Rules.Text(value) ?? "");
        }

        foreach (var (key, value) in obj["binaryData"] as JsonObject ?? [])
        {
            errors.AddRange(Key($"binaryData[{key}]", key));
            if (obj["data"]?[key] is not null)
            {
                errors.Add(Rules.Invalid($"binaryData[{key}]", key, "duplicate of key present in data"));
            }

            total += key.Length + DecodedLength(Rules.Text(value));
        }

        if (total > MaxSecretSize)
        {
            errors.Add(new FieldError("[]", $"Too long: may not be more than {MaxSecretSize} bytes"));
        }

        if (old is not null)
        {
            errors.AddRange(Immutable(obj, old));
        }

        return errors;
    }

    private static IEnumerable<FieldError> Immutable(JsonObject obj, JsonObject old)
    {
        if (old["immutable"]?.GetValue<bool>() != true)
        {
            yield break;
        }

        if (obj["immutable"]?.GetValue<bool>() != true)
        {
            yield return Rules.Forbidden("immutable", "field is immutable when `immutable` is set");
        }

        foreach (var field in new[] { "data", "binaryData" })
        {
            if (!JsonNode.DeepEquals(obj[field], old[field]))
            {
                yield return Rules.Forbidden(field, "field is immutable when `immutable` is set");
            }
        }
    }

    private static IEnumerable<FieldError> Key(string field, string key)
    {
        if (key.Length > 253)
        {
            yield return Rules.Invalid(field, key, "must be no more than 253 characters");
        }

        if (!Rules.ConfigKey().IsMatch(key))
        {
            yield return Rules.Invalid(field, key, Rules.ConfigKeyMessage);
        }

        if (key is "." or "..")
        {
            yield return Rules.Invalid(field, key, $"must not be '{key}'");
        }
        else if (key.StartsWith("..", StringComparison.Ordinal))
        {
            yield return Rules.Invalid(field, key, "must not start with '..'");
        }
    }

    private static int DecodedLength(string? base64)
    {
        if (string.IsNullOrEmpty(base64))
        {
            return 0;
        }

        var padding = base64.EndsWith("==", StringComparison.Ordinal) ? 2 : base64.EndsWith('=') ? 1 : 0;
        return (base64.Length * 3 / 4) - padding;
    }
}
