using System.Text.Json.Nodes;

namespace ShopOperator.Model;

/// <summary>The outcome of the database step on this pass, as the DatabaseReady condition shows it (never a secret).</summary>
public sealed record DatabaseCondition(bool Ready, string Reason, string Message);

/// <summary>What the reconciler knows besides the ShopInstance: its live Deployments and the database outcome.</summary>
public sealed record PlanRequest(
    JsonObject Shop,
    JsonObject? LiveApiDeployment,
    JsonObject? LiveWebDeployment,
    DatabaseCondition? Database,
    DateTimeOffset Now);

/// <summary>
/// Everything one reconcile should make true: the children, the status, the events.
/// <see cref="Invalid"/>: nothing is created, only the status is written.
/// </summary>
public sealed record Plan(
    bool Invalid,
    bool Suspended,
    IReadOnlyList<JsonObject> Children,
    ShopInstanceStatus Status,
    IReadOnlyList<PlannedEvent> Events,
    bool InProgress);

/// <summary>
/// One reconcile's decisions, without I/O: validation, suspend, the rollout step, the desired children and
/// the new status. Everything it remembers between passes is in the status it wrote, so another operator
/// replica (after a restart or a leader change) continues a rollout with the same start and deadline.
/// </summary>
public static class ShopPlanner
{
    public static Plan Plan(PlanRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var shopJson = request.Shop;
        var generation = JsonRead.Long(JsonRead.Child(shopJson["metadata"], "generation")) ?? 0;
        var previous = ShopInstance.ReadStatus(shopJson["status"]);
        var conditions = new ConditionSet(previous?.Conditions, generation, request.Now);
        var status = (previous ?? new ShopInstanceStatus()) with { ObservedGeneration = generation };

        var errors = ShopInstanceValidator.Validate(shopJson);
        if (errors.Count > 0)
        {
            var message = string.Join("; ", errors);
            conditions.Set(ConditionSet.Ready, false, "InvalidSpec", message)
                .Set(ConditionSet.Stalled, true, "InvalidSpec", message)
                .Set(ConditionSet.Reconciling, false, "InvalidSpec", "nothing is done until the spec is fixed")
                .Keep(ConditionSet.DatabaseReady);
            var stalled = ConditionSet.Find(previous?.Conditions, ConditionSet.Stalled);
            var wasInvalid = stalled is { Reason: "InvalidSpec" } && stalled.ObservedGeneration == generation;
            IReadOnlyList<PlannedEvent> events = wasInvalid ? [] : [new PlannedEvent("Warning", "InvalidSpec", message)];
            return new Plan(true, false, [], status with { Conditions = conditions.ToList() }, events, false);
        }

        var shop = ShopInstance.FromJson(shopJson);
        var spec = shop.Spec;
        if (spec.Suspend)
        {
            conditions.Keep(ConditionSet.Ready).Keep(ConditionSet.Stalled).Keep(ConditionSet.DatabaseReady)
                .Set(ConditionSet.Reconciling, false, "Suspended", "spec.suspend is true: nothing is created, changed or rolled out");
            return new Plan(false, true, [], status with { Conditions = conditions.ToList() }, [], false);
        }

        var api = TierState.Read(request.LiveApiDeployment);
        var web = TierState.Read(request.LiveWebDeployment);
        var target = spec.Image;
        var deadline = TimeSpan.FromSeconds(spec.Rollout?.ProgressDeadlineSeconds ?? Defaults.ProgressDeadlineSeconds);
        var autoRollback = spec.Rollout?.AutoRollback ?? true;

        // Statuses written before rolloutStartedAt existed: the Reconciling condition flipped to True when the rollout began.
        var startedAt = previous?.RolloutStartedAt ?? ConditionSet.Since(previous?.Conditions, ConditionSet.Reconciling, ConditionStatus.True);
        var decision = RolloutPlanner.Decide(new RolloutInput(target, autoRollback, deadline, previous, api, web, startedAt, request.Now));

        var children = DesiredState.Build(shop, decision.ApiImage, decision.WebImage);
        status = status with
        {
            ServingImage = decision.ServingImage,
            ServingDigest = RolloutPlanner.ShortDigest(decision.ServingImage),
            RolloutImage = decision.RolloutImage,
            RolloutStartedAt = decision.StartedAt,
            FailedImage = decision.FailedImage,
            History = decision.History,
            Api = api.ToStatus(),
            Web = web.ToStatus(),
            Url = DesiredState.Url(spec),
        };

        var inProgress = decision.Phase is RolloutPhase.Deploying or RolloutPhase.RollingOutApi or RolloutPhase.RollingOutWeb;
        var servingNow = decision.Phase == RolloutPhase.Steady && api.IsDone(target) && web.IsDone(target);
        switch (decision.Phase)
        {
            case RolloutPhase.Failed:
                conditions.Set(ConditionSet.Ready, false, "RolloutFailed", decision.Message)
                    .Set(ConditionSet.Stalled, true, "RolloutFailed", decision.Message)
                    .Set(ConditionSet.Reconciling, false, "RolloutFailed", "the failed digest is not retried until spec.image changes");
                break;
            case RolloutPhase.Steady when servingNow:
                conditions.Set(ConditionSet.Ready, true, "Available", $"every tier runs {RolloutPlanner.Short(target)} and is available")
                    .Set(ConditionSet.Stalled, false, "Available", "")
                    .Set(ConditionSet.Reconciling, false, "Available", "");
                break;
            default:
                var reason = decision.Phase switch
                {
                    RolloutPhase.RollingOutApi => "RollingOutApi",
                    RolloutPhase.RollingOutWeb => "RollingOutWeb",
                    RolloutPhase.Deploying => "Deploying",
                    _ => "Progressing",
                };
                var message = decision.Phase == RolloutPhase.Steady ? "waiting for the Deployments to become available" : decision.Message;
                conditions.Set(ConditionSet.Ready, false, reason, message)
                    .Set(ConditionSet.Stalled, false, reason, "")
                    .Set(ConditionSet.Reconciling, true, reason, message);
                inProgress = true;
                break;
        }

        if (request.Database is { } db)
        {
            conditions.Set(ConditionSet.DatabaseReady, db.Ready, db.Reason, db.Message);
        }
        else if (spec.Database.ConnectionSecretRef is not null)
        {
            conditions.Set(ConditionSet.DatabaseReady, true, "ExternalSecret", "the api tier uses the referenced connection Secret");
        }

        return new Plan(false, false, children, status with { Conditions = conditions.ToList() }, decision.Events, inProgress);
    }

    /// <summary>What spec.database.provision asks for; null when it is not set or the spec is invalid.</summary>
    public static ProvisionRequest? Provision(JsonObject shopJson)
    {
        ArgumentNullException.ThrowIfNull(shopJson);
        if (ShopInstanceValidator.Validate(shopJson).Count > 0)
        {
            return null;
        }

        var shop = ShopInstance.FromJson(shopJson);
        return shop.Spec.Database.Provision is { } provision
            ? new ProvisionRequest(shop.Namespace, shop.Name, provision.AdminSecretRef.Name, DatabaseSecretNameFor(shop), provision.DeletionPolicy == DeletionPolicy.Delete)
            : null;
    }

    /// <summary>True when this pass must not touch the database or the children.</summary>
    public static bool IsSuspendedOrInvalid(JsonObject shopJson)
    {
        ArgumentNullException.ThrowIfNull(shopJson);
        return ShopInstanceValidator.Validate(shopJson).Count > 0 || ShopInstance.FromJson(shopJson).Spec.Suspend;
    }

    private static string DatabaseSecretNameFor(ShopInstance shop) => DesiredState.DatabaseSecretName(shop.Name);
}

/// <summary>spec.database.provision in the operator's terms.</summary>
public sealed record ProvisionRequest(string Namespace, string ShopName, string AdminSecretName, string SecretName, bool DeleteOnRemoval);
