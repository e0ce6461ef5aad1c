using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>What kube-controller-manager's deployment controller reports, without ReplicaSets or pods.</summary>
internal static class DeploymentController
{
    /// <summary>The status for the current generation, and whether the rollout has settled (available or past its deadline).</summary>
    public static (JsonObject Status, bool Finished) Status(JsonObject deployment, HashSet<string> failingImages, DateTimeOffset started, DateTimeOffset now, string nowText)
    {
        var spec = deployment["spec"];
        var replicas = spec?["replicas"]?.GetValue<int>() ?? 1;
        var images = (spec?["template"]?["spec"]?["containers"] as JsonArray ?? []).Select(c => c?["image"]?.GetValue<string>() ?? "").ToList();
        var failing = images.Exists(failingImages.Contains);
        var deadline = TimeSpan.FromSeconds(spec?["progressDeadlineSeconds"]?.GetValue<int>() ?? 600);
        var exceeded = failing && now - started >= deadline;
        var available = failing ? 0 : replicas;
        var old = deployment["status"]?["conditions"] as JsonArray;
        var status = new JsonObject
        {
            ["observedGeneration"] = deployment["metadata"]!["generation"]!.GetValue<long>(),
            ["replicas"] = replicas,
            ["updatedReplicas"] = replicas,
            ["readyReplicas"] = available,
            ["availableReplicas"] = available,
            ["unavailableReplicas"] = replicas - available,
            ["conditions"] = new JsonArray(
                Condition(old, "Available", available >= replicas ? "True" : "False", available >= replicas ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                    available >= replicas ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", nowText),
                Condition(old, "Progressing", exceeded ? "False" : "True",
                    exceeded ? "ProgressDeadlineExceeded" : failing ? "ReplicaSetUpdated" : "NewReplicaSetAvailable",
                    exceeded ? $"ReplicaSet \"{deployment["metadata"]!["name"]}\" has timed out progressing."
                        : failing ? $"ReplicaSet \"{deployment["metadata"]!["name"]}\" is progressing."
                        : $"ReplicaSet \"{deployment["metadata"]!["name"]}\" has successfully progressed.", nowText)),
        };
        if (replicas - available == 0)
        {
            status.Remove("unavailableReplicas");
        }

        return (status, !failing || exceeded);
    }

    private static JsonObject Condition(JsonArray? old, string type, string status, string reason, string message, string now)
    {
        var previous = old?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);
        var same = previous?["status"]?.GetValue<string>() == status;
        var sameReason = same && previous?["reason"]?.GetValue<string>() == reason;
        return new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["lastUpdateTime"] = sameReason ? previous!["lastUpdateTime"]?.DeepClone() : now,
            ["lastTransitionTime"] = same ? previous!["lastTransitionTime"]?.DeepClone() : now,
            ["reason"] = reason,
            ["message"] = message,
        };
    }
}
