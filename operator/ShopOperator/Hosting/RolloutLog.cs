namespace ShopOperator.Hosting;

/// <summary>
/// The rollout lifecycle as log lines: every rollout transition the planner decides (RolloutStarted, RolloutSucceeded,
/// RolloutFailed, RolloutRolledBack, RolloutSuperseded, RolloutRecovered) is logged with the same reason and message
/// as its Event, at Information, or Warning for a failure. Called inside the reconcile scope, every line also
/// carries the shop's namespace and name. Values are images and tiers, never secrets.
/// </summary>
public static partial class RolloutLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "{Reason}: {Detail}")]
    public static partial void RolloutTransition(this ILogger logger, string reason, string detail);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "{Reason}: {Detail}")]
    public static partial void RolloutProblem(this ILogger logger, string reason, string detail);
}
