namespace ShopOperator.Hosting;

/// <summary>
/// The rollout lifecycle as log lines (Information, failures Warning), for the reconciler to call at each
/// transition. Called inside the reconcile scope, every line also carries the shop's namespace and name.
/// Values are images and tiers, never secrets.
/// </summary>
public static partial class RolloutLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Rollout of {Image} started (from {PreviousImage}); api tier first")]
    public static partial void RolloutStarted(this ILogger logger, string image, string? previousImage);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Rollout of {Image}: tier {Tier} done ({ReadyReplicas} replicas available)")]
    public static partial void RolloutTierDone(this ILogger logger, string image, string tier, int readyReplicas);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Rollout of {Image} succeeded in {DurationSeconds:F1} s")]
    public static partial void RolloutSucceeded(this ILogger logger, string image, double durationSeconds);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Rollout of {Image} failed on tier {Tier}: {Reason}")]
    public static partial void RolloutFailed(this ILogger logger, string image, string tier, string reason);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Rollout of {Image} rolled back to {RolledBackTo}: {Reason}")]
    public static partial void RolloutRolledBack(this ILogger logger, string image, string rolledBackTo, string reason);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Rollout of {Image} superseded by {NewImage}")]
    public static partial void RolloutSuperseded(this ILogger logger, string image, string newImage);
}
