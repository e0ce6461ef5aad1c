using System.Text.Json.Serialization;

namespace ShopOperator.Model;

/// <summary>
/// What the operator reports. Read by kubectl wait, Flux kstatus and the Argo CD health script
/// (observedGeneration, standard conditions), and by the operator itself on the next pass: the rollout's
/// start time lives here, so a restarted or newly elected operator keeps the rollout's deadline.
/// </summary>
public sealed record ShopInstanceStatus
{
    [Format("int64")]
    public long? ObservedGeneration { get; init; }

    [ListMap("type")]
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

    public TierStatus? Web { get; init; }

    public TierStatus? Api { get; init; }

    [MaxItems(RolloutPlanner.HistoryLimit)]
    [Doc("Rollouts, newest first.")]
    public IReadOnlyList<RolloutRecord>? History { get; init; }
}

public sealed record TierStatus
{
    [Format("int32")]
    public int DesiredReplicas { get; init; }

    [Format("int32")]
    public int ReadyReplicas { get; init; }

    [Format("int32")]
    public int UpdatedReplicas { get; init; }
}

/// <summary>A condition in the standard (metav1.Condition) shape; lastTransitionTime moves only when status flips.</summary>
public sealed record Condition
{
    public required string Type { get; init; }

    public required ConditionStatus Status { get; init; }

    public string? Reason { get; init; }

    public string? Message { get; init; }

    [Format("int64")]
    public long? ObservedGeneration { get; init; }

    [Format("date-time")]
    public DateTimeOffset? LastTransitionTime { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<ConditionStatus>))]
public enum ConditionStatus
{
    True,
    False,
    Unknown,
}

public sealed record RolloutRecord
{
    public required string Image { get; init; }

    [Format("date-time")]
    public DateTimeOffset? StartedAt { get; init; }

    [Format("date-time")]
    public DateTimeOffset? FinishedAt { get; init; }

    public required RolloutOutcome Outcome { get; init; }

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
