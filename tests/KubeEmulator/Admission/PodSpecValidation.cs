using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>
/// pkg/apis/core/validation ValidatePodSpec, the parts the operator's pod templates use: containers (names,
/// image, ports, env and envFrom, resources, probes, volume mounts), volumes, restartPolicy.
/// </summary>
internal static class PodSpecValidation
{
    private static readonly HashSet<string> StandardContainerResources = new(StringComparer.Ordinal) { "cpu", "memory", "ephemeral-storage" };

    public static IEnumerable<FieldError> Validate(string path, JsonNode? spec)
    {
        var errors = new List<FieldError>();
        if (spec is not JsonObject s)
        {
            errors.Add(Rules.Required(path));
            return errors;
        }

        var volumes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (i, volume) in Rules.Items(s["volumes"]))
        {
            var name = Rules.Text(volume["name"]) ?? "";
            var field = $"{path}.volumes[{i}].name";
            if (name.Length == 0)
            {
                errors.Add(Rules.Required(field));
            }
            else if (!volumes.Add(name))
            {
                errors.Add(Rules.Duplicate(field, name));
            }
            else
            {
                errors.AddRange(Rules.Dns1123Label(field, name));
            }

            if (volume["secret"] is JsonObject secret && Rules.Text(secret["secretName"]) is not { Length: > 0 })
            {
                errors.Add(Rules.Required($"{path}.volumes[{i}].secret.secretName"));
            }

            if (volume["configMap"] is JsonObject configMap && Rules.Text(configMap["name"]) is not { Length: > 0 })
            {
                errors.Add(Rules.Required($"{path}.volumes[{i}].configMap.name"));
            }
        }

        if (s["containers"] is not JsonArray { Count: > 0 })
        {
            errors.Add(Rules.Required($"{path}.containers"));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (list, kind) in new[] { ("initContainers", "initContainers"), ("containers", "containers") })
        {
            foreach (var (i, container) in Rules.Items(s[list]))
            {
                errors.AddRange(Container($"{path}.{kind}[{i}]", container, names, volumes));
            }
        }

        if (s["restartPolicy"] is { } restart && Rules.Text(restart) is not ("Always" or "OnFailure" or "Never"))
        {
            errors.Add(Rules.NotSupported($"{path}.restartPolicy", restart, "Always", "OnFailure", "Never"));
        }

        if (Rules.Text(s["serviceAccountName"]) is { Length: > 0 } sa && !Rules.IsDns1123Subdomain(sa))
        {
            errors.Add(Rules.Invalid($"{path}.serviceAccountName", sa, Rules.Dns1123SubdomainMessage));
        }

        errors.AddRange(Rules.NonNegative($"{path}.terminationGracePeriodSeconds", s["terminationGracePeriodSeconds"]));
        return errors;
    }

    private static IEnumerable<FieldError> Container(string path, JsonObject c, HashSet<string> names, HashSet<string> volumes)
    {
        var name = Rules.Text(c["name"]) ?? "";
        if (name.Length == 0)
        {
            yield return Rules.Required($"{path}.name");
        }
        else if (!names.Add(name))
        {
            yield return Rules.Duplicate($"{path}.name", name);
        }
        else
        {
            foreach (var e in Rules.Dns1123Label($"{path}.name", name))
            {
                yield return e;
            }
        }

        if (Rules.Text(c["image"]) is not { Length: > 0 } image || image.Trim() != image)
        {
            yield return Rules.Required($"{path}.image");
        }

        var portNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (i, port) in Rules.Items(c["ports"]))
        {
            var p = $"{path}.ports[{i}]";
            if (Rules.Text(port["name"]) is { Length: > 0 } portName)
            {
                foreach (var e in Rules.PortName($"{p}.name", portName))
                {
                    yield return e;
                }

                if (!portNames.Add(portName))
                {
                    yield return Rules.Duplicate($"{p}.name", portName);
                }
            }

            if (port["containerPort"] is null || Rules.Int(port["containerPort"]) == 0)
            {
                yield return Rules.Required($"{p}.containerPort");
            }
            else
            {
                foreach (var e in Rules.PortNumber($"{p}.containerPort", port["containerPort"]))
                {
                    yield return e;
                }
            }

            if (port["hostPort"] is { } hostPort && Rules.Int(hostPort) != 0)
            {
                foreach (var e in Rules.PortNumber($"{p}.hostPort", hostPort))
                {
                    yield return e;
                }
            }

            foreach (var e in Rules.Protocol($"{p}.protocol", port["protocol"]))
            {
                yield return e;
            }
        }

        foreach (var e in Env(path, c))
        {
            yield return e;
        }

        foreach (var e in Resources($"{path}.resources", c["resources"]))
        {
            yield return e;
        }

        foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
        {
            foreach (var e in Probe($"{path}.{probe}", c[probe], probe != "readinessProbe"))
            {
                yield return e;
            }
        }

        var mountPaths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (i, mount) in Rules.Items(c["volumeMounts"]))
        {
            var m = $"{path}.volumeMounts[{i}]";
            var volume = Rules.Text(mount["name"]) ?? "";
            if (volume.Length == 0)
            {
                yield return Rules.Required($"{m}.name");
            }
            else if (!volumes.Contains(volume))
            {
                yield return Rules.NotFound($"{m}.name", volume);
            }

            var mountPath = Rules.Text(mount["mountPath"]) ?? "";
            if (mountPath.Length == 0)
            {
                yield return Rules.Required($"{m}.mountPath");
            }
            else if (!mountPaths.Add(mountPath))
            {
                yield return Rules.Invalid($"{m}.mountPath", mountPath, "must be unique");
            }
        }
    }

    /// <summary>validateEnv and validateEnvFrom (RelaxedEnvironmentVariableValidation is on by default in 1.32).</summary>
    private static IEnumerable<FieldError> Env(string path, JsonObject c)
    {
        foreach (var (i, env) in Rules.Items(c["env"]))
        {
            var e = $"{path}.env[{i}]";
            var name = Rules.Text(env["name"]) ?? "";
            if (name.Length == 0)
            {
                yield return Rules.Required($"{e}.name");
            }
            else if (name.Any(ch => ch > 0x7E || ch < 0x20 || ch == '='))
            {
                yield return Rules.Invalid($"{e}.name", name, "a valid environment variable name must consist only of printable ASCII characters other than '='");
            }

            if (env["valueFrom"] is not JsonObject from)
            {
                continue;
            }

            var sources = new[] { "fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef" }.Where(k => from[k] is not null).ToList();
            if (Rules.Text(env["value"]) is { Length: > 0 })
            {
                yield return Rules.Invalid($"{e}.valueFrom", "", "may not be specified when `value` is not empty");
            }

            if (sources.Count == 0)
            {
                yield return Rules.Invalid($"{e}.valueFrom", "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`");
            }
            else if (sources.Count > 1)
            {
                yield return Rules.Invalid($"{e}.valueFrom", "", "may not have more than one field specified at a time");
            }

            foreach (var source in new[] { "configMapKeyRef", "secretKeyRef" })
            {
                if (from[source] is not JsonObject reference)
                {
                    continue;
                }

                var r = $"{e}.valueFrom.{source}";
                if (Rules.Text(reference["name"]) is not { Length: > 0 } refName)
                {
                    yield return Rules.Required($"{r}.name");
                }
                else if (!Rules.IsDns1123Subdomain(refName))
                {
                    yield return Rules.Invalid($"{r}.name", refName, Rules.Dns1123SubdomainMessage);
                }

                if (Rules.Text(reference["key"]) is not { Length: > 0 } key)
                {
                    yield return Rules.Required($"{r}.key");
                }
                else if (!Rules.ConfigKey().IsMatch(key))
                {
                    yield return Rules.Invalid($"{r}.key", key, Rules.ConfigKeyMessage);
                }
            }
        }

        foreach (var (i, from) in Rules.Items(c["envFrom"]))
        {
            var f = $"{path}.envFrom[{i}]";
            var refs = new[] { "configMapRef", "secretRef" }.Where(k => from[k] is not null).ToList();
            if (refs.Count == 0)
            {
                yield return Rules.Invalid(f, "", "must specify one of: `configMapRef` or `secretRef`");
            }
            else if (refs.Count > 1)
            {
                yield return Rules.Invalid(f, "", "may not have more than one field specified at a time");
            }

            foreach (var r in refs)
            {
                if (Rules.Text(from[r]?["name"]) is not { Length: > 0 })
                {
                    yield return Rules.Required($"{f}.{r}.name");
                }
            }
        }
    }

    /// <summary>ValidateResourceRequirements: standard names, non-negative quantities, requests ≤ limits.</summary>
    private static IEnumerable<FieldError> Resources(string path, JsonNode? resources)
    {
        var limits = resources?["limits"] as JsonObject ?? [];
        var requests = resources?["requests"] as JsonObject ?? [];
        foreach (var (list, kind) in new[] { (limits, "limits"), (requests, "requests") })
        {
            foreach (var (name, value) in list)
            {
                var field = $"{path}.{kind}[{name}]";
                if (!name.Contains('/', StringComparison.Ordinal) && !StandardContainerResources.Contains(name) && !name.StartsWith("hugepages-", StringComparison.Ordinal))
                {
                    yield return Rules.Invalid(field, name, "must be a standard resource for containers");
                }

                if (Rules.Quantity(value) is not { } q)
                {
                    yield return Rules.Invalid(field, value, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
                }
                else if (q < 0)
                {
                    yield return Rules.Invalid(field, value, "must be greater than or equal to 0");
                }
            }
        }

        foreach (var (name, request) in requests)
        {
            if (limits[name] is { } limit && Rules.Quantity(request) is { } r && Rules.Quantity(limit) is { } l && r > l)
            {
                yield return Rules.Invalid($"{path}.requests", request, $"must be less than or equal to {name} limit of {Rules.Text(limit) ?? limit.ToJsonString()}");
            }
        }
    }

    /// <summary>validateProbe: exactly one handler, a valid port, non-negative timings, successThreshold 1 for liveness and startup.</summary>
    private static IEnumerable<FieldError> Probe(string path, JsonNode? probe, bool successMustBeOne)
    {
        if (probe is not JsonObject p)
        {
            yield break;
        }

        var handlers = new[] { "exec", "httpGet", "tcpSocket", "grpc" }.Where(h => p[h] is not null).ToList();
        if (handlers.Count == 0)
        {
            yield return Rules.Required(path, "must specify a handler type");
        }
        else if (handlers.Count > 1)
        {
            yield return Rules.Forbidden($"{path}.{handlers[1]}", "may not specify more than 1 handler type");
        }

        if (p["httpGet"] is JsonObject http)
        {
            foreach (var e in Rules.PortNumOrName($"{path}.httpGet.port", http["port"]))
            {
                yield return e;
            }

            if (http["scheme"] is { } scheme && Rules.Text(scheme) is not ("HTTP" or "HTTPS"))
            {
                yield return Rules.NotSupported($"{path}.httpGet.scheme", scheme, "HTTP", "HTTPS");
            }
        }

        if (p["tcpSocket"] is JsonObject tcp)
        {
            foreach (var e in Rules.PortNumOrName($"{path}.tcpSocket.port", tcp["port"]))
            {
                yield return e;
            }
        }

        if (p["grpc"] is JsonObject grpc)
        {
            foreach (var e in Rules.PortNumber($"{path}.grpc.port", grpc["port"]))
            {
                yield return e;
            }
        }

        foreach (var field in new[] { "initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold", "terminationGracePeriodSeconds" })
        {
            foreach (var e in Rules.NonNegative($"{path}.{field}", p[field]))
            {
                yield return e;
            }
        }

        if (successMustBeOne && p["successThreshold"] is { } success && Rules.Int(success) is not (1 or null))
        {
            yield return Rules.Invalid($"{path}.successThreshold", success, "must be 1");
        }
    }
}
