using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>pkg/apis/networking/validation ValidateNetworkPolicy: selectors, ports (number or name, endPort), peers, ipBlock CIDR and except, policyTypes.</summary>
internal static class NetworkPolicyValidation
{
    public static IEnumerable<FieldError> Validate(JsonObject obj)
    {
        var errors = new List<FieldError>();
        var spec = obj["spec"] as JsonObject ?? [];
        errors.AddRange(Rules.LabelSelector("spec.podSelector", spec["podSelector"]));
        foreach (var (direction, peers) in new[] { ("ingress", "from"), ("egress", "to") })
        {
            foreach (var (i, rule) in Rules.Items(spec[direction]))
            {
                var r = $"spec.{direction}[{i}]";
                foreach (var (j, port) in Rules.Items(rule["ports"]))
                {
                    errors.AddRange(Port($"{r}.ports[{j}]", port));
                }

                foreach (var (j, peer) in Rules.Items(rule[peers]))
                {
                    errors.AddRange(Peer($"{r}.{peers}[{j}]", peer));
                }
            }
        }

        var types = spec["policyTypes"] as JsonArray ?? [];
        for (var i = 0; i < types.Count; i++)
        {
            if (Rules.Text(types[i]) is not ("Ingress" or "Egress"))
            {
                errors.Add(Rules.NotSupported($"spec.policyTypes[{i}]", types[i], "Egress", "Ingress"));
            }
        }

        if (types.Count > 2)
        {
            errors.Add(Rules.Invalid("spec.policyTypes", types, "may not specify more than two policyTypes"));
        }

        return errors;
    }

    private static IEnumerable<FieldError> Port(string path, JsonObject port)
    {
        foreach (var e in Rules.Protocol($"{path}.protocol", port["protocol"]))
        {
            yield return e;
        }

        if (port["port"] is not { } value)
        {
            if (port["endPort"] is not null)
            {
                yield return Rules.Required($"{path}.endPort", "may not be specified when `port` is not specified");
            }

            yield break;
        }

        if (Rules.Text(value) is { } name)
        {
            foreach (var e in Rules.PortName($"{path}.port", name))
            {
                yield return e;
            }

            if (port["endPort"] is not null)
            {
                yield return Rules.Required($"{path}.endPort", "may not be specified when `port` is non-numeric");
            }

            yield break;
        }

        foreach (var e in Rules.PortNumber($"{path}.port", value))
        {
            yield return e;
        }

        if (port["endPort"] is { } end)
        {
            if (Rules.Int(end) < Rules.Int(value))
            {
                yield return Rules.Invalid($"{path}.endPort", end, "must be greater than or equal to `port`");
            }

            foreach (var e in Rules.PortNumber($"{path}.endPort", end))
            {
                yield return e;
            }
        }
    }

    private static IEnumerable<FieldError> Peer(string path, JsonObject peer)
    {
        var kinds = new[] { "podSelector", "namespaceSelector", "ipBlock" }.Where(k => peer[k] is not null).ToList();
        if (kinds.Count == 0)
        {
            yield return Rules.Required(path, "must specify a peer");
        }
        else if (peer["ipBlock"] is not null && kinds.Count > 1)
        {
            yield return Rules.Forbidden(path, "may not specify both ipBlock and another peer");
        }

        foreach (var selector in new[] { "podSelector", "namespaceSelector" })
        {
            foreach (var e in Rules.LabelSelector($"{path}.{selector}", peer[selector]))
            {
                yield return e;
            }
        }

        if (peer["ipBlock"] is not JsonObject block)
        {
            yield break;
        }

        var cidrText = Rules.Text(block["cidr"]);
        if (string.IsNullOrEmpty(cidrText))
        {
            yield return Rules.Required($"{path}.ipBlock.cidr");
            yield break;
        }

        if (!Rules.TryParseCidr(cidrText, out var network, out var prefix))
        {
            yield return Rules.Invalid($"{path}.ipBlock.cidr", cidrText, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)");
            yield break;
        }

        var except = block["except"] as JsonArray ?? [];
        for (var i = 0; i < except.Count; i++)
        {
            var text = Rules.Text(except[i]) ?? "";
            var field = $"{path}.ipBlock.except[{i}]";
            if (!Rules.TryParseCidr(text, out var inner, out var innerPrefix))
            {
                yield return Rules.Invalid(field, text, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)");
            }
            else if (innerPrefix <= prefix || !Rules.Contains(network, prefix, inner, innerPrefix))
            {
                yield return Rules.Invalid(field, text, "must be a strict subset of `cidr`");
            }
        }
    }
}
