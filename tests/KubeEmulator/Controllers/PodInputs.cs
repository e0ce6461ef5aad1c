using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>Why a simulated container does not run, in the order the kubelet meets the causes.</summary>
internal enum ContainerProblem
{
    None,

    /// <summary>A secret or configMap volume is missing: the pod stays ContainerCreating (FailedMount).</summary>
    MountFailed,

    /// <summary>The image is on the <c>failingImages</c> fault list: ErrImagePull, then ImagePullBackOff.</summary>
    ImagePull,

    /// <summary>An env or envFrom reference is missing: CreateContainerConfigError.</summary>
    ConfigError,

    /// <summary>The image is on the <c>crashingImages</c> fault list: exits 1, CrashLoopBackOff.</summary>
    Crash,

    /// <summary>The image is on the <c>oomImages</c> fault list: killed with 137 (OOMKilled), CrashLoopBackOff.</summary>
    OomKilled,
}

/// <summary>The outcome of starting one container of a pod template.</summary>
internal sealed record ContainerVerdict(string Container, string Image, ContainerProblem Problem, string Message);

/// <summary>
/// Image fault lists from the ConfigMap <c>kube-system/emulator-faults</c> (one image reference a line):
/// <c>failingImages</c>, <c>crashingImages</c>, <c>oomImages</c>.
/// </summary>
internal sealed record ImageFaults(IReadOnlySet<string> Failing, IReadOnlySet<string> Crashing, IReadOnlySet<string> Oom)
{
    public static ImageFaults None { get; } = new(new HashSet<string>(), new HashSet<string>(), new HashSet<string>());

    public static ImageFaults From(JsonObject? configMap)
    {
        HashSet<string> Lines(string key) =>
            configMap?["data"]?[key] is JsonValue v && v.TryGetValue<string>(out var text)
                ? text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal)
                : [];
        return new ImageFaults(Lines("failingImages"), Lines("crashingImages"), Lines("oomImages"));
    }
}

/// <summary>
/// What the kubelet finds when it starts a pod's containers: volumes mount first (a missing secret or configMap
/// keeps the pod ContainerCreating), then each image is pulled, then the container config is built from env and
/// envFrom (a missing object or key that is not <c>optional</c> is CreateContainerConfigError with the kubelet's
/// message, pkg/kubelet/kubelet_pods.go makeEnvironmentVariables), then the process runs (crash and OOM faults).
/// </summary>
internal static class PodInputs
{
    /// <param name="podSpec">The pod template's spec.</param>
    /// <param name="ns">The pod's namespace (it appears in the kubelet's messages).</param>
    /// <param name="lookup">A Secret or ConfigMap of the namespace by kind ("Secret", "ConfigMap") and name, null when missing.</param>
    /// <param name="faults">The image fault lists.</param>
    public static IReadOnlyList<ContainerVerdict> Evaluate(JsonObject? podSpec, string ns, Func<string, string, JsonObject?> lookup, ImageFaults faults)
    {
        var mount = MountError(podSpec, lookup);
        var verdicts = new List<ContainerVerdict>();
        foreach (var container in (podSpec?["containers"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = Text(container["name"]) ?? "";
            var image = Text(container["image"]) ?? "";
            var verdict = mount is not null ? new ContainerVerdict(name, image, ContainerProblem.MountFailed, mount)
                : faults.Failing.Contains(image) ? new ContainerVerdict(name, image, ContainerProblem.ImagePull,
                    $"rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": not found")
                : EnvError(container, ns, lookup) is { } env ? new ContainerVerdict(name, image, ContainerProblem.ConfigError, env)
                : faults.Oom.Contains(image) ? new ContainerVerdict(name, image, ContainerProblem.OomKilled, "")
                : faults.Crashing.Contains(image) ? new ContainerVerdict(name, image, ContainerProblem.Crash, "")
                : new ContainerVerdict(name, image, ContainerProblem.None, "");
            verdicts.Add(verdict);
        }

        return verdicts;
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static bool Optional(JsonNode? source) => source?["optional"] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    /// <summary>The kubelet's volume manager: MountVolume.SetUp of a secret or configMap volume fails while the object or a listed key is missing.</summary>
    private static string? MountError(JsonObject? podSpec, Func<string, string, JsonObject?> lookup)
    {
        foreach (var volume in (podSpec?["volumes"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var volumeName = Text(volume["name"]) ?? "";
            foreach (var (field, kind, nameField) in new[] { ("secret", "Secret", "secretName"), ("configMap", "ConfigMap", "name") })
            {
                if (volume[field] is not JsonObject source || Optional(source))
                {
                    continue;
                }

                var objectName = Text(source[nameField]) ?? "";
                var found = lookup(kind, objectName);
                if (found is null)
                {
                    return $"MountVolume.SetUp failed for volume \"{volumeName}\" : {kind.ToLowerInvariant()} \"{objectName}\" not found";
                }

                foreach (var item in (source["items"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    var key = Text(item["key"]) ?? "";
                    if (!HasKey(found, key))
                    {
                        var what = kind == "Secret" ? $"references non-existent secret key: {key}" : $"configmap references non-existent config key: {key}";
                        return $"MountVolume.SetUp failed for volume \"{volumeName}\" : {what}";
                    }
                }
            }
        }

        return null;
    }

    private static bool HasKey(JsonObject obj, string key) =>
        obj["data"]?[key] is not null || obj["binaryData"]?[key] is not null;

    private static string? EnvError(JsonObject container, string ns, Func<string, string, JsonObject?> lookup)
    {
        foreach (var from in (container["envFrom"] as JsonArray ?? []).OfType<JsonObject>())
        {
            foreach (var (field, kind) in new[] { ("secretRef", "Secret"), ("configMapRef", "ConfigMap") })
            {
                if (from[field] is JsonObject reference && !Optional(reference) && lookup(kind, Text(reference["name"]) ?? "") is null)
                {
                    return $"{kind.ToLowerInvariant()} \"{Text(reference["name"])}\" not found";
                }
            }
        }

        foreach (var env in (container["env"] as JsonArray ?? []).OfType<JsonObject>())
        {
            foreach (var (field, kind) in new[] { ("secretKeyRef", "Secret"), ("configMapKeyRef", "ConfigMap") })
            {
                if (env["valueFrom"]?[field] is not JsonObject reference || Optional(reference))
                {
                    continue;
                }

                var objectName = Text(reference["name"]) ?? "";
                var key = Text(reference["key"]) ?? "";
                var found = lookup(kind, objectName);
                if (found is null)
                {
                    return $"{kind.ToLowerInvariant()} \"{objectName}\" not found";
                }

                if (!HasKey(found, key))
                {
                    return $"couldn't find key {key} in {kind} {ns}/{objectName}";
                }
            }
        }

        return null;
    }
}
