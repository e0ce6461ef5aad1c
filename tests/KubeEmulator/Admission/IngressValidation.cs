using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KubeEmulator;

/// <summary>pkg/apis/networking/validation ValidateIngress: hosts (a DNS name or a wildcard, never an IP), paths and pathType, backends, TLS hosts.</summary>
internal static partial class IngressValidation
{
    private const string WildcardMessage = "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    public static IEnumerable<FieldError> Validate(JsonObject obj)
    {
        var errors = new List<FieldError>();
        var spec = obj["spec"] as JsonObject ?? [];
        var rules = spec["rules"] as JsonArray ?? [];
        if (spec["defaultBackend"] is null && rules.Count == 0)
        {
            errors.Add(Rules.Invalid("spec.rules", new JsonArray(), "either `defaultBackend` or `rules` must be specified"));
        }

        if (spec["defaultBackend"] is JsonObject defaultBackend)
        {
            errors.AddRange(Backend("spec.defaultBackend", defaultBackend));
        }

        foreach (var (i, rule) in Rules.Items(rules))
        {
            var r = $"spec.rules[{i}]";
            if (Rules.Text(rule["host"]) is { Length: > 0 } host)
            {
                errors.AddRange(Host($"{r}.host", host));
            }

            if (rule["http"] is not JsonObject http)
            {
                continue;
            }

            if (http["paths"] is not JsonArray { Count: > 0 } paths)
            {
                errors.Add(Rules.Required($"{r}.http.paths"));
                continue;
            }

            foreach (var (j, path) in Rules.Items(paths))
            {
                var p = $"{r}.http.paths[{j}]";
                var pathType = path["pathType"];
                var text = Rules.Text(path["path"]) ?? "";
                if (pathType is null)
                {
                    errors.Add(Rules.Required($"{p}.pathType", "pathType must be specified"));
                }
                else if (Rules.Text(pathType) is not ("Exact" or "Prefix" or "ImplementationSpecific"))
                {
                    errors.Add(Rules.NotSupported($"{p}.pathType", pathType, "Exact", "ImplementationSpecific", "Prefix"));
                }
                else if (Rules.Text(pathType) is "Exact" or "Prefix")
                {
                    if (!text.StartsWith('/'))
                    {
                        errors.Add(Rules.Invalid($"{p}.path", text, "must be an absolute path"));
                    }
                    else if (text.Contains("//", StringComparison.Ordinal))
                    {
                        errors.Add(Rules.Invalid($"{p}.path", text, "must not contain '//'"));
                    }
                }
                else if (text.Length > 0 && !text.StartsWith('/'))
                {
                    errors.Add(Rules.Invalid($"{p}.path", text, "must be an absolute path"));
                }

                errors.AddRange(Backend($"{p}.backend", path["backend"] as JsonObject ?? []));
            }
        }

        foreach (var (i, tls) in Rules.Items(spec["tls"]))
        {
            foreach (var (j, host) in (tls["hosts"] as JsonArray ?? []).Select((h, j) => (j, Rules.Text(h) ?? "")))
            {
                var field = $"spec.tls[{i}].hosts[{j}]";
                if (host.StartsWith("*.", StringComparison.Ordinal))
                {
                    if (!Wildcard().IsMatch(host))
                    {
                        errors.Add(Rules.Invalid(field, host, WildcardMessage));
                    }
                }
                else if (!Rules.IsDns1123Subdomain(host))
                {
                    errors.Add(Rules.Invalid(field, host, Rules.Dns1123SubdomainMessage));
                }
            }

            if (Rules.Text(tls["secretName"]) is { Length: > 0 } secret && !Rules.IsDns1123Subdomain(secret))
            {
                errors.Add(Rules.Invalid($"spec.tls[{i}].secretName", secret, Rules.Dns1123SubdomainMessage));
            }
        }

        return errors;
    }

    private static IEnumerable<FieldError> Host(string field, string host)
    {
        if (IPAddress.TryParse(host, out _))
        {
            yield return Rules.Invalid(field, host, "must be a DNS name, not an IP address");
        }

        if (host.Contains('*', StringComparison.Ordinal))
        {
            if (!Wildcard().IsMatch(host))
            {
                yield return Rules.Invalid(field, host, WildcardMessage);
            }
        }
        else if (!Rules.IsDns1123Subdomain(host))
        {
            yield return Rules.Invalid(field, host, Rules.Dns1123SubdomainMessage);
        }
    }

    /// <summary>validateIngressBackend: a service (DNS-1035 name, port number or name, not both) or a resource, not both.</summary>
    private static IEnumerable<FieldError> Backend(string field, JsonObject backend)
    {
        var service = backend["service"] as JsonObject;
        if (service is not null && backend["resource"] is not null)
        {
            yield return Rules.Invalid(field, "", "cannot set both resource and service backends");
            yield break;
        }

        if (service is null)
        {
            if (backend["resource"] is null)
            {
                yield return Rules.Invalid(field, "", "resource or service backend is required");
            }

            yield break;
        }

        var name = Rules.Text(service["name"]) ?? "";
        if (name.Length == 0)
        {
            yield return Rules.Required($"{field}.service.name");
        }
        else
        {
            foreach (var e in Rules.Dns1035($"{field}.service.name", name))
            {
                yield return e;
            }
        }

        var port = service["port"] as JsonObject;
        var hasName = Rules.Text(port?["name"]) is { Length: > 0 };
        var hasNumber = Rules.Int(port?["number"]) is not (null or 0);
        if (hasName && hasNumber)
        {
            yield return Rules.Invalid($"{field}.service.port", "", "cannot set both port name & port number");
        }
        else if (hasName)
        {
            foreach (var e in Rules.PortName($"{field}.service.port.name", Rules.Text(port!["name"])!))
            {
                yield return e;
            }
        }
        else if (hasNumber)
        {
            foreach (var e in Rules.PortNumber($"{field}.service.port.number", port!["number"]))
            {
                yield return e;
            }
        }
        else
        {
            yield return Rules.Required($"{field}.service.port", "port name or number is required");
        }
    }

    [GeneratedRegex("^\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Wildcard();
}
