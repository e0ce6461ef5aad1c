using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>
/// The pods of one Deployment as kube-controller-manager's deployment controller would have them, without
/// ReplicaSet or Pod objects: those of the current pod template (<see cref="NewTotal"/>, of which
/// <see cref="NewReady"/> are available) and those of the template before it (<see cref="Old"/>, all available).
/// </summary>
internal sealed record DeploymentPods(string Template, int NewTotal, int NewReady, string? OldTemplate, int Old)
{
    /// <summary>
    /// The pods once a new generation is seen: same template → the same pods (a scale); the template of the old
    /// pods → those pods are the new ones again (a rollback finds its ReplicaSet still running); otherwise a new
    /// ReplicaSet starts empty and every available pod so far counts as old.
    /// </summary>
    public static DeploymentPods For(DeploymentPods? previous, string template)
    {
        if (previous is null)
        {
            return new DeploymentPods(template, 0, 0, null, 0);
        }

        if (previous.Template == template)
        {
            return previous;
        }

        if (previous.OldTemplate == template)
        {
            return new DeploymentPods(template, previous.Old, previous.Old, previous.Template, previous.NewReady);
        }

        return new DeploymentPods(template, 0, 0, previous.Template, previous.Old + previous.NewReady);
    }
}

/// <summary>What kube-controller-manager's deployment controller reports, step by step, without ReplicaSets or pods.</summary>
internal static class DeploymentController
{
    /// <summary>
    /// One sync of the RollingUpdate strategy (maxSurge 25 % rounded up, maxUnavailable 25 % rounded down, as the
    /// defaults): pods created in the previous step become available unless their image is failing, old pods are
    /// scaled down as far as the available minimum allows, new pods are created up to the surge limit.
    /// </summary>
    public static DeploymentPods Step(DeploymentPods pods, int desired, bool failing)
    {
        var surge = (int)Math.Ceiling(desired * 0.25);
        var maxUnavailable = (int)Math.Floor(desired * 0.25);
        if (surge == 0 && maxUnavailable == 0)
        {
            maxUnavailable = 1;
        }

        var newReady = failing ? 0 : Math.Min(pods.NewTotal, desired);
        var newTotal = Math.Min(pods.NewTotal, desired);
        var old = pods.Old;
        var removable = Math.Max(0, old + newReady - (desired - maxUnavailable));
        old -= Math.Min(old, removable);
        newTotal = Math.Min(desired, newTotal + Math.Max(0, desired + surge - (old + newTotal)));
        return pods with { NewTotal = newTotal, NewReady = newReady, Old = old };
    }

    public static bool IsComplete(DeploymentPods pods, int desired) => pods.NewReady == desired && pods.NewTotal == desired && pods.Old == 0;

    /// <summary>The status for the current generation from its pods; <paramref name="exceeded"/> once its progress deadline passed unfinished.</summary>
    public static JsonObject Status(JsonObject deployment, DeploymentPods pods, bool exceeded, string nowText)
    {
        var spec = deployment["spec"];
        var desired = spec?["replicas"]?.GetValue<int>() ?? 1;
        var maxUnavailable = Math.Max((int)Math.Floor(desired * 0.25), Math.Ceiling(desired * 0.25) == 0 ? 1 : 0);
        var replicas = pods.NewTotal + pods.Old;
        var available = pods.NewReady + pods.Old;
        var complete = IsComplete(pods, desired);
        var name = deployment["metadata"]!["name"]!.GetValue<string>();
        var old = deployment["status"]?["conditions"] as JsonArray;
        var minimum = available >= desired - maxUnavailable;
        var status = new JsonObject
        {
            ["observedGeneration"] = deployment["metadata"]!["generation"]!.GetValue<long>(),
            ["replicas"] = replicas,
            ["updatedReplicas"] = pods.NewTotal,
            ["readyReplicas"] = available,
            ["availableReplicas"] = available,
            ["unavailableReplicas"] = replicas - available,
            ["conditions"] = new JsonArray(
                Condition(old, "Available", minimum ? "True" : "False", minimum ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                    minimum ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", nowText),
                Condition(old, "Progressing", exceeded && !complete ? "False" : "True",
                    complete ? "NewReplicaSetAvailable" : exceeded ? "ProgressDeadlineExceeded" : "ReplicaSetUpdated",
                    complete ? $"ReplicaSet \"{name}\" has successfully progressed."
                        : exceeded ? $"ReplicaSet \"{name}\" has timed out progressing."
                        : $"ReplicaSet \"{name}\" is progressing.", nowText)),
        };

        // Go's omitempty: zero counts are not serialised.
        foreach (var field in new[] { "replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas" })
        {
            if (status[field]!.GetValue<int>() == 0)
            {
                status.Remove(field);
            }
        }

        return status;
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
