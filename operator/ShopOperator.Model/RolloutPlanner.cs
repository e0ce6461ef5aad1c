namespace ShopOperator.Model;

/// <summary>What the planner knows on one pass. <see cref="StartedAt"/> comes from status.rolloutStartedAt.</summary>
public sealed record RolloutInput(
    string TargetImage,
    bool AutoRollback,
    TimeSpan Deadline,
    ShopInstanceStatus? Status,
    TierState Api,
    TierState Web,
    DateTimeOffset? StartedAt,
    DateTimeOffset Now);

public enum RolloutPhase
{
    Steady,
    Deploying,
    RollingOutApi,
    RollingOutWeb,
    Failed,
}

/// <summary>An Event to record: only for transitions.</summary>
public sealed record PlannedEvent(string Type, string Reason, string Message);

/// <summary>What each tier runs, and what the rollout fields of the status become.</summary>
public sealed record RolloutDecision(
    string ApiImage,
    string WebImage,
    string? ServingImage,
    string? RolloutImage,
    string? FailedImage,
    IReadOnlyList<RolloutRecord> History,
    RolloutPhase Phase,
    string Message,
    DateTimeOffset? StartedAt,
    IReadOnlyList<PlannedEvent> Events);

/// <summary>
/// The digest rollout state machine of issue 5: api first, web when every api replica runs the new
/// digest and is available; failure (a Deployment's ProgressDeadlineExceeded or the spec's deadline)
/// rolls both tiers back to the last digest that served, and the failed digest is not retried until
/// spec.image changes; a new digest supersedes a running rollout. Progress is read from the Deployments.
/// </summary>
public static class RolloutPlanner
{
    public const int HistoryLimit = 10;

    public static RolloutDecision Decide(RolloutInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var status = input.Status;
        var serving = status?.ServingImage;
        var rolling = status?.RolloutImage;
        var failed = status?.FailedImage;
        var history = new List<RolloutRecord>(status?.History ?? []);
        var events = new List<PlannedEvent>();
        var target = input.TargetImage;
        var now = input.Now;

        if (serving is null)
        {
            // First deployment: nothing serves yet, so there is nothing to protect or roll back to. A spec.image
            // changed before it finished shows as a live Deployment on another digest: that one starts its own clock.
            var retargeted = (input.Api.Exists && input.Api.Image != target) || (input.Web.Exists && input.Web.Image != target);
            input = input with { StartedAt = retargeted ? now : input.StartedAt };
            if (input.Api.IsDone(target) && input.Web.IsDone(target))
            {
                // Also after a failure: pods that came up late (a Secret created, quota freed, nodes added) serve.
                var recovered = target == failed;
                var firstStart = recovered ? history.FirstOrDefault(h => h.Image == target)?.StartedAt ?? now : input.StartedAt ?? now;
                Record(history, target, firstStart, now, RolloutOutcome.Succeeded, recovered ? "first deployment recovered: both tiers became available after it had failed" : "first deployment");
                if (recovered)
                {
                    events.Add(new PlannedEvent("Normal", "RolloutRecovered", $"{Short(target)} serves on both tiers after its first deployment had failed"));
                }

                return new(target, target, target, null, null, history, RolloutPhase.Steady, "running " + Short(target), null, events);
            }

            if (target == failed || input.Api.HasFailed(target) || input.Web.HasFailed(target))
            {
                var message = $"first deployment of {Short(target)} failed (progress deadline exceeded); nothing to roll back to";
                if (target != failed)
                {
                    Record(history, target, input.StartedAt ?? now, now, RolloutOutcome.Failed, message);
                    events.Add(new PlannedEvent("Warning", "RolloutFailed", message));
                }

                return new(target, target, null, null, target, history, RolloutPhase.Failed, target == failed ? FailureMessage(status) : message, null, events);
            }

            return new(target, target, null, null, null, history, RolloutPhase.Deploying, "deploying " + Short(target), input.StartedAt ?? now, events);
        }

        if (target == failed)
        {
            // Not retried: the tiers stay on the last good digest (rollback) or where they stopped (rollback off).
            var api = input.AutoRollback ? serving : input.Api.Image ?? serving;
            var web = input.AutoRollback ? serving : input.Web.Image ?? serving;
            return new(api, web, serving, null, failed, history, RolloutPhase.Failed, FailureMessage(status), null, events);
        }

        var startedAt = input.StartedAt;
        if (rolling is not null && rolling != target)
        {
            Record(history, rolling, startedAt ?? now, now, RolloutOutcome.Superseded, "superseded by " + Short(target));
            events.Add(new PlannedEvent("Normal", "RolloutSuperseded", $"rollout of {Short(rolling)} superseded by {Short(target)}"));
            rolling = null;
        }

        if (target == serving)
        {
            return new(serving, serving, serving, null, failed, history, RolloutPhase.Steady, "running " + Short(serving), null, events);
        }

        var started = rolling is null ? now : startedAt ?? now;
        if (rolling is null)
        {
            events.Add(new PlannedEvent("Normal", "RolloutStarted", $"rolling out {Short(target)} (api tier first)"));
        }

        var apiDone = input.Api.IsDone(target);
        var failedTier = input.Api.HasFailed(target) ? "api" : apiDone && input.Web.HasFailed(target) ? "web" : null;
        if (failedTier is null && now - started > input.Deadline)
        {
            failedTier = apiDone ? "web" : "api";
        }

        if (failedTier is not null)
        {
            var outcome = input.AutoRollback ? RolloutOutcome.RolledBack : RolloutOutcome.Failed;
            var message = $"rollout of {Short(target)} failed in the {failedTier} tier (progress deadline exceeded)"
                + (input.AutoRollback ? $"; rolled back to {Short(serving)}" : "; automatic rollback is off");
            Record(history, target, started, now, outcome, message);
            events.Add(new PlannedEvent("Warning", input.AutoRollback ? "RolloutRolledBack" : "RolloutFailed", message));
            var api = input.AutoRollback ? serving : input.Api.Image ?? target;
            var web = input.AutoRollback ? serving : input.Web.Image ?? serving;
            return new(api, web, serving, null, target, history, RolloutPhase.Failed, message, null, events);
        }

        if (apiDone && input.Web.IsDone(target))
        {
            Record(history, target, started, now, RolloutOutcome.Succeeded, "rolled out to both tiers");
            events.Add(new PlannedEvent("Normal", "RolloutSucceeded", $"{Short(target)} serves on both tiers"));
            return new(target, target, target, null, null, history, RolloutPhase.Steady, "running " + Short(target), null, events);
        }

        return apiDone
            ? new(target, target, serving, target, failed, history, RolloutPhase.RollingOutWeb, $"rolling out {Short(target)}: web tier", started, events)
            : new(target, input.Web.Image == target ? target : serving, serving, target, failed, history, RolloutPhase.RollingOutApi, $"rolling out {Short(target)}: api tier", started, events);
    }

    private static string FailureMessage(ShopInstanceStatus? status) =>
        status?.History?.FirstOrDefault()?.Message ?? "rollout failed";

    private static void Record(List<RolloutRecord> history, string image, DateTimeOffset started, DateTimeOffset finished, RolloutOutcome outcome, string message)
    {
        history.Insert(0, new RolloutRecord { Image = image, StartedAt = started, FinishedAt = finished, Outcome = outcome, Message = message });
        if (history.Count > HistoryLimit)
        {
            history.RemoveRange(HistoryLimit, history.Count - HistoryLimit);
        }
    }

    /// <summary>registry/repository@sha256: and the first 12 hex digits: enough to tell digests apart in messages.</summary>
    public static string Short(string image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var at = image.IndexOf("@sha256:", StringComparison.Ordinal);
        return at < 0 ? image : image[..(at + 8 + Math.Min(12, image.Length - at - 8))];
    }

    /// <summary>sha256: and 12 hex digits, for the printer column.</summary>
    public static string? ShortDigest(string? image)
    {
        var at = image?.IndexOf("@sha256:", StringComparison.Ordinal) ?? -1;
        return at < 0 ? null : image![(at + 1)..Math.Min(image!.Length, at + 8 + 12)];
    }
}
