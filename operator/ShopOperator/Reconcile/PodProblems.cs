using System.Text.Json;
using System.Text.Json.Nodes;

namespace ShopOperator.Reconcile;

/// <summary>
/// Why pods are not running, as kubectl describe would say it: a container's waiting reason and message
/// (CreateContainerConfigError: secret "shop-db" not found; ImagePullBackOff; CrashLoopBackOff) or a pod the
/// scheduler could not place (PodScheduled=False: Unschedulable, "0/3 nodes are available: insufficient cpu").
/// One line per distinct problem, with the pods it concerns counted.
/// </summary>
public static class PodProblems
{
    public static IReadOnlyList<string> From(IEnumerable<JsonObject> pods)
    {
        ArgumentNullException.ThrowIfNull(pods);
        var counted = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            foreach (var problem in Of(pod).Distinct(StringComparer.Ordinal))
            {
                counted[problem] = counted.GetValueOrDefault(problem) + 1;
            }
        }

        return [.. counted.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value == 1 ? p.Key : $"{p.Key} ({p.Value} pods)")];
    }

    private static IEnumerable<string> Of(JsonObject pod)
    {
        var status = pod["status"];
        foreach (var field in new[] { "initContainerStatuses", "containerStatuses" })
        {
            if (status?[field] is not JsonArray containers)
            {
                continue;
            }

            foreach (var container in containers.OfType<JsonObject>())
            {
                if (container["state"]?["waiting"] is JsonObject waiting && Text(waiting["reason"]) is { } reason && reason != "ContainerCreating" && reason != "PodInitializing")
                {
                    yield return Text(waiting["message"]) is { Length: > 0 } message ? $"{reason}: {message}" : reason;
                }
            }
        }

        if (status?["conditions"] is JsonArray conditions)
        {
            foreach (var condition in conditions.OfType<JsonObject>())
            {
                if (Text(condition["type"]) == "PodScheduled" && Text(condition["status"]) == "False")
                {
                    var reason = Text(condition["reason"]) ?? "Unschedulable";
                    yield return Text(condition["message"]) is { Length: > 0 } message ? $"{reason}: {message}" : reason;
                }
            }
        }
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
