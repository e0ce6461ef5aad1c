using System.Text.Json.Serialization;

namespace ShopOperator.Model;

/// <summary>
/// What the operator reports. Read by kubectl wait, Flux kstatus and the Argo CD health script
/// (observedGeneration, standard conditions), and by the operator itself on the next pass: the rollout's
/// start time lives here, so a restarted or newly elected operator keeps the rollout's deadline.
/// </summary>
[Doc("What the operator observed and did: conditions, the digest serving, the rollout under way and its history.")]
public sealed record ShopInstanceStatus
{
    [Format("int64")]
    [Doc("The metadata.generation this status describes; older than metadata.generation while the operator has not caught up.")]
    public long? ObservedGeneration { get; init; }

    [ListMap("type")]
    [Doc("Ready (serving), Reconciling (work under way), Stalled (cannot progress without a change), DatabaseReady.")]
    public IReadOnlyList<Condition>? Conditions { get; init; }

    [Doc("Where the shop answers: http(s)://host.")]
    public string? Url { get; init; }

    [Doc("The last digest that served successfully on both tiers.")]
    public string? ServingImage { get; init; }

    [Doc("servingImage's digest, shortened (sha256: and 12 hex) for kubectl get.")]
    public string? ServingDigest { get; init; }

    [Doc("The digest being rolled out; absent when idle.")]
    public string? RolloutImage { get; init; }

    [Format("date-time")]
    [Doc("When the current deployment or rollout started; its deadline is this plus spec.rollout.progressDeadlineSeconds.")]
    public DateTimeOffset? RolloutStartedAt { get; init; }

    [Doc("The digest whose rollout failed; not retried until spec.image changes.")]
    public string? FailedImage { get; init; }

    [Doc("The web tier's replica counts, from its Deployment.")]
    public TierStatus? Web { get; init; }

    [Doc("The api tier's replica counts, from its Deployment.")]
    public TierStatus? Api { get; init; }

    [MaxItems(RolloutPlanner.HistoryLimit)]
    [Doc("Rollouts, newest first.")]
    public IReadOnlyList<RolloutRecord>? History { get; init; }
}

public sealed record TierStatus
{
    [Format("int32")]
    [Doc("spec.replicas of the tier's Deployment.")]
    public int DesiredReplicas { get; init; }

    [Format("int32")]
    [Doc("Pods that pass their readiness probe.")]
    public int ReadyReplicas { get; init; }

    [Format("int32")]
    [Doc("Pods on the Deployment's current template (the digest the tier is moving to).")]
    public int UpdatedReplicas { get; init; }
}

/// <summary>A condition in the standard (metav1.Condition) shape; lastTransitionTime moves only when status flips.</summary>
[Doc("A condition in the standard metav1.Condition shape.")]
public sealed record Condition
{
    [Doc("Ready, Reconciling, Stalled or DatabaseReady.")]
    public required string Type { get; init; }

    [Doc("True, False or Unknown.")]
    public required ConditionStatus Status { get; init; }

    [Doc("A CamelCase word for programs (e.g. Available, RolloutFailed, DatabaseNotReady).")]
    public string? Reason { get; init; }

    [Doc("What happened, for people.")]
    public string? Message { get; init; }

    [Format("int64")]
    [Doc("The metadata.generation the condition was set for.")]
    public long? ObservedGeneration { get; init; }

    [Format("date-time")]
    [Doc("When status last changed.")]
    public DateTimeOffset? LastTransitionTime { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<ConditionStatus>))]
public enum ConditionStatus
{
    True,
    False,
    Unknown,
}

[Doc("One rollout of a digest and how it ended.")]
public sealed record RolloutRecord
{
    [Doc("The digest rolled out.")]
    public required string Image { get; init; }

    [Format("date-time")]
    [Doc("When the rollout started.")]
    public DateTimeOffset? StartedAt { get; init; }

    [Format("date-time")]
    [Doc("When it ended.")]
    public DateTimeOffset? FinishedAt { get; init; }

    [Doc("Succeeded, RolledBack, Failed or Superseded.")]
    public required RolloutOutcome Outcome { get; init; }

    [Doc("What happened (the failed tier, the digest rolled back to, a recovery).")]
    public string? Message { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<RolloutOutcome>))]
public enum RolloutOutcome
{
    Succeeded,
    RolledBack,
    Failed,
    Superseded,
}
