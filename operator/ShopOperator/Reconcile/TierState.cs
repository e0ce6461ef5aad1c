using System.Text.Json.Nodes;

namespace ShopOperator.Reconcile;

/// <summary>
/// A tier's progress read from its Deployment's own status, by the rule kubectl rollout status, Argo CD
/// and kstatus share: observedGeneration caught up, updated = replicas = desired (kubectl: "old replicas are
/// pending termination" while status.replicas > updatedReplicas, and old pods then still count as available), available = updated;
/// failed on the Progressing condition's ProgressDeadlineExceeded.
/// </summary>
public sealed record TierState(string? Image, int Desired, int Ready, int Updated, int Available, bool CaughtUp, bool DeadlineExceeded, bool Exists)
{
    public static TierState Read(JsonObject? deployment)
    {
        if (deployment is null)
        {
            return new TierState(null, 0, 0, 0, 0, false, false, false);
        }

        var spec = deployment["spec"];
        var status = deployment["status"];
        var generation = deployment["metadata"]?["generation"]?.GetValue<long>() ?? 0;
        var observed = status?["observedGeneration"]?.GetValue<long>() ?? -1;
        var deadline = (status?["conditions"] as JsonArray)?.OfType<JsonObject>().Any(c =>
            c["type"]?.GetValue<string>() == "Progressing" && c["reason"]?.GetValue<string>() == "ProgressDeadlineExceeded") ?? false;
        return new TierState(
            spec?["template"]?["spec"]?["containers"]?[0]?["image"]?.GetValue<string>(),
            spec?["replicas"]?.GetValue<int>() ?? 1,
            Int(status, "readyReplicas"),
            Int(status, "updatedReplicas"),
            Int(status, "availableReplicas"),
            observed >= generation,
            deadline,
            true)
        {
            Replicas = Int(status, "replicas"),
        };
    }

    /// <summary>status.replicas: pods of every ReplicaSet, so more than <see cref="Updated"/> while old ones still run.</summary>
    public int Replicas { get; init; }

    /// <summary>Runs <paramref name="image"/> on every desired replica, all available.</summary>
    public bool IsDone(string image) =>
        Exists && Image == image && CaughtUp && Updated == Desired && Replicas <= Updated && Available >= Updated && Ready >= Desired && !DeadlineExceeded;

    public bool HasFailed(string image) => Exists && Image == image && CaughtUp && DeadlineExceeded;

    public JsonObject ToStatus() => new() { ["desiredReplicas"] = Desired, ["readyReplicas"] = Ready, ["updatedReplicas"] = Updated };

    private static int Int(JsonNode? status, string field) => status?[field]?.GetValue<int>() ?? 0;
}
