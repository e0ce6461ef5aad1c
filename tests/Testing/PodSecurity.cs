using System.Text.Json.Nodes;

namespace Testing;

/// <summary>
/// The Pod Security Standard "restricted" profile (v1.32; it includes "baseline") for one pod spec, as the API
/// server's PodSecurity admission would judge it: every workload we ship or render must pass it.
/// </summary>
public static class PodSecurity
{
    private static readonly HashSet<string> AllowedVolumeTypes = new(StringComparer.Ordinal)
    {
        "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
    };

    public static IReadOnlyList<string> Violations(JsonObject podSpec)
    {
        ArgumentNullException.ThrowIfNull(podSpec);
        var problems = new List<string>();
        var pod = podSpec["securityContext"]?.AsObject();
        foreach (var host in new[] { "hostNetwork", "hostPID", "hostIPC" })
        {
            if (podSpec[host]?.GetValue<bool>() == true)
            {
                problems.Add($"{host} is true");
            }
        }

        foreach (var volume in podSpec["volumes"]?.AsArray() ?? [])
        {
            var type = volume!.AsObject().Select(p => p.Key).FirstOrDefault(k => k != "name");
            if (type is not null && !AllowedVolumeTypes.Contains(type))
            {
                problems.Add($"volume {(string?)volume["name"]} has type {type}");
            }
        }

        if (IsZero(pod?["runAsUser"]))
        {
            problems.Add("pod runAsUser is 0");
        }

        var containers = new[] { "initContainers", "containers", "ephemeralContainers" }
            .SelectMany(k => podSpec[k]?.AsArray() ?? [])
            .Select(c => c!.AsObject());
        foreach (var container in containers)
        {
            var name = (string?)container["name"] ?? "?";
            var sc = container["securityContext"]?.AsObject();
            if (sc?["privileged"]?.GetValue<bool>() == true)
            {
                problems.Add($"{name}: privileged");
            }

            if (sc?["allowPrivilegeEscalation"]?.GetValue<bool>() != false)
            {
                problems.Add($"{name}: allowPrivilegeEscalation must be false");
            }

            var nonRoot = sc?["runAsNonRoot"]?.GetValue<bool>() ?? pod?["runAsNonRoot"]?.GetValue<bool>();
            if (nonRoot != true)
            {
                problems.Add($"{name}: runAsNonRoot must be true (container or pod)");
            }

            if (IsZero(sc?["runAsUser"]))
            {
                problems.Add($"{name}: runAsUser is 0");
            }

            var seccomp = (string?)(sc?["seccompProfile"]?["type"] ?? pod?["seccompProfile"]?["type"]);
            if (seccomp is not ("RuntimeDefault" or "Localhost"))
            {
                problems.Add($"{name}: seccompProfile.type must be RuntimeDefault or Localhost (container or pod)");
            }

            var drop = sc?["capabilities"]?["drop"]?.AsArray().Select(d => (string?)d).ToList() ?? [];
            if (!drop.Contains("ALL"))
            {
                problems.Add($"{name}: capabilities.drop must contain ALL");
            }

            foreach (var added in sc?["capabilities"]?["add"]?.AsArray().Select(a => (string?)a) ?? [])
            {
                if (added != "NET_BIND_SERVICE")
                {
                    problems.Add($"{name}: adds capability {added}");
                }
            }

            foreach (var port in container["ports"]?.AsArray() ?? [])
            {
                if (port?["hostPort"] is JsonValue hostPort && !IsZero(hostPort))
                {
                    problems.Add($"{name}: hostPort {hostPort}");
                }
            }
        }

        return problems;
    }

    // A number from parsed JSON or built in memory (int or long): compare its JSON text.
    private static bool IsZero(JsonNode? node) => node is JsonValue && node.ToJsonString() == "0";
}
