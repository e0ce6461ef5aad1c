using System.Text.Json.Nodes;
using k8s;

namespace Config.Tests.Manifests;

/// <summary>
/// Parses a built-in object into KubernetesClient's typed model (strict YAML mode) and serializes it
/// back: every field of the original must survive the round trip with the same value, so a misspelt
/// or misplaced field (which kubectl apply would silently drop or reject) is found here.
/// </summary>
public static class StrictModel
{
    public static IReadOnlyList<string> Problems(Manifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        object typed;
        try
        {
            var objects = KubernetesYaml.LoadAllFromString(manifest.Json.ToJsonString(), typeMap: null, strict: true);
            if (objects.Count != 1)
            {
                return [$"{manifest}: parsed into {objects.Count} objects"];
            }

            typed = objects[0];
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or ArgumentException or InvalidOperationException or FormatException)
        {
            return [$"{manifest}: does not parse into the typed model: {e.Message}"];
        }

        if (typed.GetType().Namespace != "k8s.Models")
        {
            return [$"{manifest}: parsed as {typed.GetType().FullName}, not a k8s.Models type"];
        }

        var roundTrip = JsonNode.Parse(KubernetesJson.Serialize(typed));
        var problems = new List<string>();
        Compare(manifest.Json, roundTrip, "", problems);
        return problems.Select(p => $"{manifest}: {p}").ToList();
    }

    private static void Compare(JsonNode? original, JsonNode? typed, string path, List<string> problems)
    {
        switch (original)
        {
            case null:
                return;
            case JsonObject map:
                if (typed is not JsonObject typedMap)
                {
                    if (map.Count > 0)
                    {
                        problems.Add($"{Display(path)} is an object the model does not keep");
                    }

                    return;
                }

                foreach (var (key, value) in map)
                {
                    var child = path + "." + key;
                    if (!typedMap.TryGetPropertyValue(key, out var typedValue) || typedValue is null)
                    {
                        if (!IsEmpty(value))
                        {
                            problems.Add($"unknown field {Display(child)}");
                        }

                        continue;
                    }

                    Compare(value, typedValue, child, problems);
                }

                return;
            case JsonArray list:
                if (typed is not JsonArray typedList || typedList.Count != list.Count)
                {
                    if (list.Count > 0)
                    {
                        problems.Add($"{Display(path)}: the list does not survive the round trip");
                    }

                    return;
                }

                for (var i = 0; i < list.Count; i++)
                {
                    Compare(list[i], typedList[i], $"{path}[{i}]", problems);
                }

                return;
            default:
                if (typed is null || typed is JsonObject || typed is JsonArray || typed.ToString() != original.ToString())
                {
                    problems.Add($"{Display(path)}: '{original}' became '{typed?.ToJsonString()}'");
                }

                return;
        }
    }

    private static bool IsEmpty(JsonNode? node) => node switch
    {
        null => true,
        JsonObject o => o.Count == 0,
        JsonArray a => a.Count == 0,
        _ => false,
    };

    private static string Display(string path) => path.Length == 0 ? "(root)" : path.TrimStart('.');
}
