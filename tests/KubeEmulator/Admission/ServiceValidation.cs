using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>pkg/apis/core/validation ValidateService: type, ports (number, name, protocol, targetPort), selector.</summary>
internal static class ServiceValidation
{
    public static IEnumerable<FieldError> Validate(JsonObject obj)
    {
        var errors = new List<FieldError>();
        var spec = obj["spec"] as JsonObject ?? [];
        var type = Rules.Text(spec["type"]) ?? "ClusterIP";
        if (type is not ("ClusterIP" or "NodePort" or "LoadBalancer" or "ExternalName"))
        {
            errors.Add(Rules.NotSupported("spec.type", spec["type"], "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"));
        }

        var ports = spec["ports"] as JsonArray ?? [];
        var headless = Rules.Text(spec["clusterIP"]) == "None";
        if (ports.Count == 0 && type != "ExternalName" && !headless)
        {
            errors.Add(Rules.Required("spec.ports"));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (i, port) in Rules.Items(ports))
        {
            var p = $"spec.ports[{i}]";
            var name = Rules.Text(port["name"]) ?? "";
            if (ports.Count > 1 && name.Length == 0)
            {
                errors.Add(Rules.Required($"{p}.name"));
            }
            else if (name.Length > 0)
            {
                errors.AddRange(Rules.Dns1123Label($"{p}.name", name));
                if (!names.Add(name))
                {
                    errors.Add(Rules.Duplicate($"{p}.name", name));
                }
            }

            errors.AddRange(Rules.PortNumber($"{p}.port", port["port"]));
            errors.AddRange(Rules.Protocol($"{p}.protocol", port["protocol"]));
            if (port["targetPort"] is { } target)
            {
                if (Rules.Text(target) is { } targetName)
                {
                    errors.AddRange(Rules.PortName($"{p}.targetPort", targetName));
                }
                else
                {
                    errors.AddRange(Rules.PortNumber($"{p}.targetPort", target));
                }
            }

            if (port["nodePort"] is { } nodePort && Rules.Int(nodePort) is not (0 or null))
            {
                if (type is not ("NodePort" or "LoadBalancer"))
                {
                    errors.Add(Rules.Forbidden($"{p}.nodePort", "may not be used when `type` is 'ClusterIP'"));
                }
                else
                {
                    errors.AddRange(Rules.PortNumber($"{p}.nodePort", nodePort));
                }
            }

            if (!keys.Add($"{Rules.Int(port["port"])}/{Rules.Text(port["protocol"]) ?? "TCP"}"))
            {
                errors.Add(Rules.Duplicate(p, new JsonObject { ["port"] = port["port"]?.DeepClone(), ["protocol"] = Rules.Text(port["protocol"]) ?? "TCP" }));
            }
        }

        errors.AddRange(Rules.LabelMap("spec.selector", spec["selector"]));
        if (type == "ExternalName" && Rules.Text(spec["externalName"]) is not { Length: > 0 })
        {
            errors.Add(Rules.Required("spec.externalName"));
        }

        return errors;
    }
}
