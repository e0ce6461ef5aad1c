using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ShopOperator.Model;

/// <summary>A rule a spec breaks, with the field it is about (spec.web.replicas).</summary>
public sealed record FieldError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>
/// Checks a ShopInstance against every rule of the generated CRD schema (the same schema object, so the
/// two cannot drift), the CRD's CEL rules (a server without CEL ignores them), and what a schema cannot
/// express (CIDR syntax, quantities, label selectors, names long enough for every child).
/// </summary>
public static partial class ShopInstanceValidator
{
    /// <summary>Longest ShopInstance name: its Services are named name-web / name-api, DNS-1035 labels of at most 63.</summary>
    public const int MaxNameLength = 59;

    private static readonly Lazy<JsonObject> SpecSchema = new(() => CrdGenerator.SchemaOf(typeof(ShopInstanceSpec)));

    private static readonly Dictionary<string, string> PatternMeaning = new(StringComparer.Ordinal)
    {
        [Patterns.DnsSubdomain] = "is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.')",
        [Patterns.SecretKey] = "is not a valid Secret key (letters, digits, '-', '_' and '.')",
        [Patterns.DnsLabel] = "is not a DNS-1123 label (lower-case letters, digits and '-')",
    };

    /// <summary>Every problem, in field order; empty when valid.</summary>
    public static IReadOnlyList<FieldError> Validate(JsonObject shop)
    {
        ArgumentNullException.ThrowIfNull(shop);
        var errors = new List<FieldError>();
        var name = JsonRead.Text(JsonRead.Child(shop["metadata"], "name"));
        if (string.IsNullOrEmpty(name))
        {
            errors.Add(new("metadata.name", "required"));
        }
        else if (name.Length > MaxNameLength || !Dns1035().IsMatch(name))
        {
            errors.Add(new("metadata.name", $"'{name}' must be a DNS-1035 label of at most {MaxNameLength} characters (the shop's Services are named {name}-web and {name}-api)"));
        }

        var spec = shop["spec"];
        if (spec is null)
        {
            errors.Add(new("spec", "required"));
            return errors;
        }

        CheckSchema(spec, SpecSchema.Value, "spec", errors);
        if (spec is JsonObject specObject)
        {
            CheckRules(specObject, errors);
        }

        return errors;
    }

    /// <summary>The CRD's CEL rules and the rules no schema can state.</summary>
    private static void CheckRules(JsonObject spec, List<FieldError> errors)
    {
        if (Present(spec, "gateway"))
        {
            if (Present(spec, "ingress"))
            {
                errors.Add(new("spec", ShopInstanceSpec.IngressOrGatewayMessage));
            }

            if (Present(spec, "tls"))
            {
                errors.Add(new("spec", ShopInstanceSpec.TlsWithGatewayMessage));
            }

            if (spec["gateway"] is JsonObject gateway)
            {
                if (gateway["parentRefs"] is JsonArray { Count: 0 })
                {
                    errors.Add(new("spec.gateway", GatewaySpec.ParentRefsMessage));
                }

                if (gateway["podSelector"] is JsonObject gatewayPods)
                {
                    CheckSelector(gatewayPods, "spec.gateway.podSelector", errors);
                }
            }
        }

        if (spec["database"] is JsonObject database)
        {
            if (Present(database, "connectionSecretRef") == Present(database, "provision"))
            {
                errors.Add(new("spec.database", DatabaseSpec.ExactlyOneMessage));
            }

            if (database["egress"] is JsonObject egress)
            {
                if (Present(egress, "cidr") && (Present(egress, "podSelector") || Present(egress, "namespaceSelector")))
                {
                    errors.Add(new("spec.database.egress", EgressSpec.CidrOrSelectorsMessage));
                }

                if (egress["cidr"] is JsonValue cidr && cidr.TryGetValue<string>(out var text) && !IPNetwork.TryParse(text, out _))
                {
                    errors.Add(new("spec.database.egress.cidr", $"'{text}' is not a network in CIDR notation (e.g. 10.0.0.0/16)"));
                }

                foreach (var field in new[] { "podSelector", "namespaceSelector" })
                {
                    if (egress[field] is JsonObject selector)
                    {
                        CheckSelector(selector, $"spec.database.egress.{field}", errors);
                    }
                }
            }
        }

        if (spec["network"] is JsonObject network)
        {
            foreach (var (field, peers) in new[] { ("ingressFrom", network["ingressFrom"]), ("monitoringFrom", network["monitoringFrom"]), ("dns.to", JsonRead.Child(network["dns"], "to")) })
            {
                if (peers is JsonArray list)
                {
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (list[i] is JsonObject peer)
                        {
                            CheckPeer(peer, $"spec.network.{field}[{i}]", errors);
                        }
                    }
                }
            }

            // The shop parses SHOP_TRUSTED_NETWORKS with IPNetwork.TryParse and refuses to start on a bad entry: the same check here.
            if (network["trustedProxyCIDRs"] is JsonArray trusted)
            {
                for (var i = 0; i < trusted.Count; i++)
                {
                    if (trusted[i] is not JsonValue entry || !entry.TryGetValue<string>(out var text) || text.Length > 64 || !IPNetwork.TryParse(text, out _))
                    {
                        errors.Add(new($"spec.network.trustedProxyCIDRs[{i}]", $"'{trusted[i]?.ToString()}' is not a network in CIDR notation (e.g. 10.0.0.0/8)"));
                    }
                }
            }
        }

        if (JsonRead.Child(spec["egress"], "proxy") is JsonObject proxy)
        {
            CheckProxy(proxy, errors);
        }

        if (spec["host"] is JsonValue host && host.GetValueKind() == JsonValueKind.String && KubeNames.IsIPv4(host.GetValue<string>()))
        {
            // networking validation ValidateIngressSpec: an Ingress rule's host.
            errors.Add(new("spec.host", $"'{host.GetValue<string>()}' must be a DNS name, not an IP address"));
        }

        foreach (var tier in new[] { "web", "api" })
        {
            if (JsonRead.Child(spec[tier], "resources") is JsonObject resources)
            {
                CheckResources(resources, $"spec.{tier}.resources", errors);
            }

            if (JsonRead.Child(JsonRead.Child(spec[tier], "serviceAccount"), "annotations") is JsonObject annotations)
            {
                // apimachinery ValidateAnnotations: keys are qualified names (checked lower-cased).
                foreach (var (key, _) in annotations)
                {
                    Invalid($"spec.{tier}.serviceAccount.annotations", key, KubeNames.QualifiedName(key.ToLowerInvariant()), errors);
                }
            }
        }
    }

    /// <summary>spec.egress.proxy: the CEL rules' twins (url, cidr or selectors), then the peers as NetworkPolicy validation checks them and NO_PROXY entries.</summary>
    private static void CheckProxy(JsonObject proxy, List<FieldError> errors)
    {
        const string path = "spec.egress.proxy";
        if (proxy["url"] is JsonValue url && url.TryGetValue<string>(out var text) && text.Length <= ProxySpec.UrlMaxLength && ProxySpec.PortOf(text) is null)
        {
            errors.Add(new($"{path}.url", ProxySpec.UrlMessage));
        }

        if (Present(proxy, "cidr") && (Present(proxy, "podSelector") || Present(proxy, "namespaceSelector")))
        {
            errors.Add(new(path, EgressSpec.CidrOrSelectorsMessage));
        }

        if (proxy["cidr"] is JsonValue cidr && cidr.TryGetValue<string>(out var network) && !IPNetwork.TryParse(network, out _))
        {
            errors.Add(new($"{path}.cidr", $"'{network}' is not a network in CIDR notation (e.g. 10.0.0.0/16)"));
        }

        foreach (var field in new[] { "podSelector", "namespaceSelector" })
        {
            if (proxy[field] is JsonObject selector)
            {
                CheckSelector(selector, $"{path}.{field}", errors);
            }
        }

        if (proxy["noProxy"] is JsonArray hosts)
        {
            for (var i = 0; i < hosts.Count; i++)
            {
                // NO_PROXY is one comma-separated list: an entry may not carry a separator or a blank.
                if (hosts[i] is JsonValue host && host.TryGetValue<string>(out var entry) && !NoProxyEntry().IsMatch(entry))
                {
                    errors.Add(new($"{path}.noProxy[{i}]", $"'{entry}' is not a NO_PROXY entry (a host, .domain.suffix, an IP or a CIDR: letters, digits, '-', '.', '*', ':', '/', '[' and ']', at most 253)"));
                }
            }
        }
    }

    /// <summary>A NetworkPeer: the CEL rule's twin, then what the NetworkPolicy's validation checks (ipBlock cidr, selectors).</summary>
    private static void CheckPeer(JsonObject peer, string path, List<FieldError> errors)
    {
        if (Present(peer, "cidr") == (Present(peer, "namespaceSelector") || Present(peer, "podSelector")))
        {
            errors.Add(new(path, NetworkPeer.CidrOrSelectorsMessage));
        }

        if (peer["cidr"] is JsonValue cidr && cidr.TryGetValue<string>(out var text) && !IPNetwork.TryParse(text, out _))
        {
            errors.Add(new($"{path}.cidr", $"'{text}' is not a network in CIDR notation (e.g. 10.0.0.0/16)"));
        }

        foreach (var field in new[] { "namespaceSelector", "podSelector" })
        {
            if (peer[field] is JsonObject selector)
            {
                CheckSelector(selector, $"{path}.{field}", errors);
            }
        }
    }

    /// <summary>
    /// core validation ValidateResourceRequirements, as the API server runs it on the tier's container: standard
    /// resource names, quantity syntax, requests at most the limits, and requests equal to the limits for
    /// resources that cannot be overcommitted (extended resources such as GPUs, hugepages).
    /// </summary>
    private static void CheckResources(JsonObject resources, string path, List<FieldError> errors)
    {
        var parsed = new Dictionary<string, Dictionary<string, Quantity>>(StringComparer.Ordinal);
        foreach (var kind in new[] { "limits", "requests" })
        {
            parsed[kind] = new Dictionary<string, Quantity>(StringComparer.Ordinal);
            if (resources[kind] is not JsonObject quantities)
            {
                continue;
            }

            foreach (var (resource, value) in quantities)
            {
                var field = $"{path}.{kind}.{resource}";
                if (ResourceNameProblem(resource) is { } problem)
                {
                    errors.Add(new(field, problem));
                }

                var text = value is JsonValue v && v.GetValueKind() is JsonValueKind.String or JsonValueKind.Number ? v.ToString() : null;
                if (text is null)
                {
                    continue;
                }

                if (!QuantityText().IsMatch(text))
                {
                    errors.Add(new(field, $"'{text}' is not a Kubernetes quantity (e.g. 100m, 1, 256Mi)"));
                }
                else
                {
                    parsed[kind][resource] = new Quantity(text);
                }
            }
        }

        foreach (var (resource, request) in parsed["requests"])
        {
            var field = $"{path}.requests.{resource}";
            var overcommit = IsNativeResource(resource) && !resource.StartsWith("hugepages-", StringComparison.Ordinal);
            if (!parsed["limits"].TryGetValue(resource, out var limit))
            {
                if (!overcommit)
                {
                    errors.Add(new($"{path}.limits.{resource}", "Required value: Limit must be set for non overcommitable resources"));
                }

                continue;
            }

            if (!request.TryToDecimal(out var requested) || !limit.TryToDecimal(out var limited))
            {
                continue;
            }

            if (!overcommit && requested != limited)
            {
                errors.Add(new(field, $"'{request}' must be equal to {resource} limit of {limit}"));
            }
            else if (requested > limited)
            {
                errors.Add(new(field, $"'{request}' must be less than or equal to {resource} limit of {limit}"));
            }
        }
    }

    /// <summary>core validation validateContainerResourceName: a standard container resource, or a qualified extended resource name.</summary>
    private static string? ResourceNameProblem(string resource)
    {
        if (KubeNames.QualifiedName(resource) is [var first, ..])
        {
            return $"Invalid value: {Quote(JsonValue.Create(resource))}: {first}";
        }

        if (!resource.Contains('/', StringComparison.Ordinal))
        {
            return resource is "cpu" or "memory" or "ephemeral-storage" || resource.StartsWith("hugepages-", StringComparison.Ordinal)
                ? null
                : $"'{resource}' must be a standard resource for containers (cpu, memory, ephemeral-storage, hugepages-<size>, or a domain-prefixed extended resource such as nvidia.com/gpu)";
        }

        return IsNativeResource(resource) || !resource.StartsWith("requests.", StringComparison.Ordinal)
            ? null
            : $"'{resource}' doesn't follow extended resource name standard";
    }

    /// <summary>helper.IsNativeResource: no domain, or a kubernetes.io domain.</summary>
    private static bool IsNativeResource(string resource) =>
        !resource.Contains('/', StringComparison.Ordinal) || resource.Contains("kubernetes.io/", StringComparison.Ordinal);

    /// <summary>
    /// metav1 validation's ValidateLabelSelector, as the API server runs it on the NetworkPolicy the selector
    /// ends up in: label keys are qualified names, values label values, operators known, values present
    /// exactly for In and NotIn.
    /// </summary>
    private static void CheckSelector(JsonObject selector, string path, List<FieldError> errors)
    {
        foreach (var (key, value) in selector)
        {
            switch (key)
            {
                case "matchLabels" when value is JsonObject labels:
                    foreach (var (label, labelValue) in labels)
                    {
                        Invalid($"{path}.matchLabels", label, KubeNames.QualifiedName(label), errors);
                        if (labelValue is not JsonValue lv || lv.GetValueKind() != JsonValueKind.String)
                        {
                            errors.Add(new($"{path}.matchLabels.{label}", "must be a string"));
                        }
                        else
                        {
                            Invalid($"{path}.matchLabels", lv.GetValue<string>(), KubeNames.LabelValue(lv.GetValue<string>()), errors);
                        }
                    }

                    break;
                case "matchExpressions" when value is JsonArray expressions:
                    for (var i = 0; i < expressions.Count; i++)
                    {
                        CheckRequirement(expressions[i], $"{path}.matchExpressions[{i}]", errors);
                    }

                    break;
                case "matchLabels":
                    errors.Add(new($"{path}.matchLabels", "must be an object"));
                    break;
                case "matchExpressions":
                    errors.Add(new($"{path}.matchExpressions", "must be a list"));
                    break;
                default:
                    errors.Add(new($"{path}.{key}", "unknown field (a label selector has matchLabels and matchExpressions)"));
                    break;
            }
        }
    }

    /// <summary>ValidateLabelSelectorRequirement.</summary>
    private static void CheckRequirement(JsonNode? requirement, string path, List<FieldError> errors)
    {
        if (requirement is not JsonObject expression)
        {
            errors.Add(new(path, "must be an object"));
            return;
        }

        foreach (var (field, _) in expression)
        {
            if (field is not ("key" or "operator" or "values"))
            {
                errors.Add(new($"{path}.{field}", "unknown field (a requirement has key, operator and values)"));
            }
        }

        if (expression["key"] is not JsonValue keyValue || keyValue.GetValueKind() != JsonValueKind.String)
        {
            errors.Add(new($"{path}.key", expression["key"] is null ? "required" : "must be a string"));
        }
        else
        {
            Invalid($"{path}.key", keyValue.GetValue<string>(), KubeNames.QualifiedName(keyValue.GetValue<string>()), errors);
        }

        var values = new List<string>();
        if (expression["values"] is JsonArray list)
        {
            for (var v = 0; v < list.Count; v++)
            {
                if (list[v] is JsonValue item && item.GetValueKind() == JsonValueKind.String)
                {
                    values.Add(item.GetValue<string>());
                    Invalid($"{path}.values[{v}]", item.GetValue<string>(), KubeNames.LabelValue(item.GetValue<string>()), errors);
                }
                else
                {
                    errors.Add(new($"{path}.values[{v}]", "must be a string"));
                }
            }
        }
        else if (expression["values"] is not null)
        {
            errors.Add(new($"{path}.values", "must be a list"));
        }

        var op = JsonRead.Text(expression["operator"]);
        switch (op)
        {
            case "In" or "NotIn" when values.Count == 0 && expression["values"] is null or JsonArray:
                errors.Add(new($"{path}.values", "Required value: must be specified when `operator` is 'In' or 'NotIn'"));
                break;
            case "Exists" or "DoesNotExist" when expression["values"] is JsonArray { Count: > 0 }:
                errors.Add(new($"{path}.values", "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                break;
            case "In" or "NotIn" or "Exists" or "DoesNotExist":
                break;
            case null when expression["operator"] is null:
                errors.Add(new($"{path}.operator", "required"));
                break;
            default:
                errors.Add(new($"{path}.operator", $"Invalid value: {Quote(expression["operator"])}: not a valid selector operator (In, NotIn, Exists, DoesNotExist)"));
                break;
        }
    }

    /// <summary>Upstream field.Invalid's shape: Invalid value: "x": message, one error per message.</summary>
    private static void Invalid(string path, string value, IReadOnlyList<string> messages, List<FieldError> errors) =>
        errors.AddRange(messages.Select(m => new FieldError(path, $"Invalid value: {Quote(JsonValue.Create(value))}: {m}")));

    /// <summary>Go's %q-like quoting of the value, as field.Invalid prints it.</summary>
    private static string Quote(JsonNode? value) => value switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String =>
            "\"" + v.GetValue<string>().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"",
        null => "null",
        _ => value.ToJsonString(),
    };

    /// <summary>What the API server checks against the structural schema, with the same schema.</summary>
    private static void CheckSchema(JsonNode? value, JsonObject schema, string path, List<FieldError> errors)
    {
        if (value is null)
        {
            // The server prunes nulls of non-nullable fields: absent.
            return;
        }

        if (schema["x-kubernetes-int-or-string"] is not null)
        {
            if (value is not JsonValue v || v.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number)
                || (v.GetValueKind() == JsonValueKind.Number && Number(v) is var q && (q is null || q != Math.Floor(q.Value))))
            {
                errors.Add(new(path, "must be an integer or a string"));
            }

            return;
        }

        switch (schema["type"]?.GetValue<string>())
        {
            case "object":
                if (value is not JsonObject map)
                {
                    errors.Add(new(path, "must be an object"));
                    return;
                }

                foreach (var required in schema["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? [])
                {
                    if (map[required] is null)
                    {
                        errors.Add(new($"{path}.{required}", "required"));
                    }
                }

                if (schema["x-kubernetes-preserve-unknown-fields"] is not null)
                {
                    return;
                }

                var properties = schema["properties"] as JsonObject;
                var additional = schema["additionalProperties"] as JsonObject;
                foreach (var (key, child) in map)
                {
                    if (properties?[key] is JsonObject childSchema)
                    {
                        CheckSchema(child, childSchema, $"{path}.{key}", errors);
                    }
                    else if (additional is not null)
                    {
                        CheckSchema(child, additional, $"{path}.{key}", errors);
                    }
                    else
                    {
                        errors.Add(new($"{path}.{key}", "unknown field"));
                    }
                }

                return;
            case "array":
                if (value is not JsonArray list)
                {
                    errors.Add(new(path, "must be a list"));
                    return;
                }

                if (schema["maxItems"] is JsonValue maxItems && list.Count > JsonRead.Long(maxItems))
                {
                    errors.Add(new(path, $"must have at most {maxItems} items"));
                }

                for (var i = 0; i < list.Count; i++)
                {
                    CheckSchema(list[i], schema["items"]!.AsObject(), $"{path}[{i}]", errors);
                }

                return;
            case "string":
                if (value is not JsonValue s || s.GetValueKind() != JsonValueKind.String)
                {
                    errors.Add(new(path, "must be a string"));
                    return;
                }

                CheckString(s.GetValue<string>(), schema, path, errors);
                return;
            case "integer":
                if (value is not JsonValue integer || integer.GetValueKind() != JsonValueKind.Number || Number(integer) is not { } number || number != Math.Floor(number))
                {
                    errors.Add(new(path, "must be an integer"));
                    return;
                }

                var min = JsonRead.Long(schema["minimum"]);
                var max = JsonRead.Long(schema["maximum"]);
                if (number < min || number > max)
                {
                    errors.Add(new(path, max is null ? $"must be at least {min}" : $"must be between {min} and {max}"));
                }

                return;
            case "boolean":
                if (value is not JsonValue b || b.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                {
                    errors.Add(new(path, "must be true or false"));
                }

                return;
            default:
                return;
        }
    }

    private static void CheckString(string text, JsonObject schema, string path, List<FieldError> errors)
    {
        if (schema["enum"] is JsonArray allowed)
        {
            var names = allowed.Select(a => a!.GetValue<string>()).ToList();
            if (!names.Contains(text, StringComparer.Ordinal))
            {
                errors.Add(new(path, $"'{text}' must be one of {string.Join(", ", names)}"));
            }

            return;
        }

        if (schema["maxLength"] is JsonValue maxLength && text.Length > JsonRead.Long(maxLength))
        {
            errors.Add(new(path, $"must be at most {maxLength} characters"));
            return;
        }

        if (schema["pattern"] is JsonValue pattern && !Re2.IsMatch(text, pattern.GetValue<string>()))
        {
            var p = pattern.GetValue<string>();
            errors.Add(new(path, p == Patterns.DigestImage ? ImageMessage(text) : $"'{text}' " + (PatternMeaning.TryGetValue(p, out var meaning) ? meaning : "does not match " + p)));
        }
    }

    private static string ImageMessage(string image) => ImageRule.For(image);

    private static bool Present(JsonObject o, string key) => o[key] is not null;

    private static double? Number(JsonValue value) => JsonRead.Number(value);

    [GeneratedRegex("^[-.*:/\\[\\]a-zA-Z0-9]{1,253}\\z")]
    private static partial Regex NoProxyEntry();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?\\z")]
    private static partial Regex Dns1035();

    /// <summary>Kubernetes resource.Quantity: a decimal number with an optional binary, decimal or exponent suffix.</summary>
    [GeneratedRegex("^[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?\\z")]
    private static partial Regex QuantityText();
}
