using System.Text.Json.Nodes;

namespace ShopOperator.Model;

/// <summary>
/// A tier's progress read from its Deployment's own status, by the rule kubectl rollout status, Argo CD
/// and kstatus share: observedGeneration caught up, updated = replicas = desired (kubectl: "old replicas are
/// pending termination" while status.replicas > updatedReplicas, and old pods then still count as available), available = updated;
/// failed on the Progressing condition's ProgressDeadlineExceeded.
/// </summary>
public sealed record TierState(string? Image, int Desired, int Ready, int Updated, int Available, bool CaughtUp, bool DeadlineExceeded, bool Exists)
{
    public static TierState Missing { get; } = new(null, 0, 0, 0, 0, false, false, false);

    public static TierState Read(JsonObject? deployment)
    {
        if (deployment is null)
        {
            return Missing;
        }

        var spec = deployment["spec"];
        var status = deployment["status"];
        var generation = Long(deployment["metadata"]?["generation"]) ?? 0;
        var observed = Long(status?["observedGeneration"]) ?? -1;
        var deadline = (status?["conditions"] as JsonArray)?.OfType<JsonObject>().Any(c =>
            Text(c["type"]) == "Progressing" && Text(c["reason"]) == "ProgressDeadlineExceeded") ?? false;
        return new TierState(
            Text(spec?["template"]?["spec"]?["containers"]?[0]?["image"]),
            (int)(Long(spec?["replicas"]) ?? 1),
            (int)(Long(status?["readyReplicas"]) ?? 0),
            (int)(Long(status?["updatedReplicas"]) ?? 0),
            (int)(Long(status?["availableReplicas"]) ?? 0),
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

    public TierStatus ToStatus() => new() { DesiredReplicas = Desired, ReadyReplicas = Ready, UpdatedReplicas = Updated };

    private static long? Long(JsonNode? node) => JsonRead.Long(node);

    private static string? Text(JsonNode? node) => JsonRead.Text(node);

    private static int Int(JsonNode? status, string field) => (int)(JsonRead.Long(JsonRead.Child(status, field)) ?? 0);
}
