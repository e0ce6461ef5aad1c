using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ShopOperator.Kube;

namespace ShopOperator.Reconcile;

/// <summary>
/// Bridges the reconciler to ShopOperator.Model: validation and the desired children come from the model;
/// the rollout state machine (<see cref="Rollout"/>) and the status assembly live here, on the JSON the
/// API server stores.
/// </summary>
public sealed class ShopModel : IShopModel
{
    private readonly ConcurrentDictionary<string, (string Image, DateTimeOffset StartedAt)> _started = new(StringComparer.Ordinal);
    private readonly IShopSpecModel _spec;

    public ShopModel(IShopSpecModel spec)
    {
        _spec = spec;
    }

    public DatabaseRequest? DatabaseRequest(JsonObject shop)
    {
        if (_spec.Validate(shop).Count > 0)
        {
            return null;
        }

        var provision = shop["spec"]?["database"]?["provision"];
        if (provision is null)
        {
            return null;
        }

        var ns = shop["metadata"]!["namespace"]!.GetValue<string>();
        var name = shop["metadata"]!["name"]!.GetValue<string>();
        return new DatabaseRequest(
            ns,
            name,
            provision["adminSecretRef"]?["name"]?.GetValue<string>() ?? "",
            name + "-db",
            provision["deletionPolicy"]?.GetValue<string>() == "Delete");
    }

    public bool IsSuspendedOrInvalid(JsonObject shop) =>
        shop["spec"]?["suspend"]?.GetValue<bool>() == true || _spec.Validate(shop).Count > 0;

    public ShopPlan Plan(PlanInputs inputs)
    {
        var shop = inputs.Shop;
        var ns = shop["metadata"]!["namespace"]!.GetValue<string>();
        var name = shop["metadata"]!["name"]!.GetValue<string>();
        var key = ns + "/" + name;
        var generation = shop["metadata"]?["generation"]?.GetValue<long>() ?? 0;
        var previous = shop["status"] as JsonObject;
        var conditions = new Conditions(previous, generation, inputs.Now);
        var status = CarryOver(previous);
        status["observedGeneration"] = generation;

        var errors = _spec.Validate(shop);
        if (errors.Count > 0)
        {
            var message = string.Join("; ", errors);
            conditions.Set("Ready", false, "InvalidSpec", message)
                .Set("Stalled", true, "InvalidSpec", message)
                .Set("Reconciling", false, "InvalidSpec", "nothing is done until the spec is fixed")
                .Keep("DatabaseReady");
            status["conditions"] = conditions.ToJson();
            var wasInvalid = TestReason(previous, "Stalled") == "InvalidSpec" && Conditions.Find(previous?["conditions"] as JsonArray ?? [], "Stalled")?["observedGeneration"]?.GetValue<long>() == generation;
            IReadOnlyList<PlannedEvent> events = wasInvalid ? [] : [new PlannedEvent("Warning", "InvalidSpec", message)];
            return new ShopPlan(true, false, [], status, events, false);
        }

        var spec = shop["spec"]!;
        if (spec["suspend"]?.GetValue<bool>() == true)
        {
            conditions.Keep("Ready").Keep("Stalled").Keep("DatabaseReady")
                .Set("Reconciling", false, "Suspended", "spec.suspend is true: nothing is created, changed or rolled out");
            status["conditions"] = conditions.ToJson();
            return new ShopPlan(false, true, [], status, [], false);
        }

        var api = TierState.Read(inputs.LiveApiDeployment);
        var web = TierState.Read(inputs.LiveWebDeployment);
        var target = spec["image"]!.GetValue<string>();
        var deadline = TimeSpan.FromSeconds(spec["rollout"]?["progressDeadlineSeconds"]?.GetValue<int>() ?? 600);
        var autoRollback = spec["rollout"]?["autoRollback"]?.GetValue<bool>() ?? true;
        DateTimeOffset? startedAt = _started.TryGetValue(key, out var s) && s.Image == (previous?["rolloutImage"]?.GetValue<string>() ?? target)
            ? s.StartedAt
            : Conditions.Since(previous, "Reconciling", "True");
        var decision = Rollout.Decide(new RolloutInput(target, autoRollback, deadline, previous, api, web, startedAt, inputs.Now));
        if (decision.StartedAt is { } started)
        {
            _started[key] = (decision.RolloutImage ?? target, started);
        }
        else
        {
            _started.TryRemove(key, out _);
        }

        var children = _spec.Build(shop, decision.ApiImage, decision.WebImage);
        SetOrRemove(status, "servingImage", decision.ServingImage);
        SetOrRemove(status, "rolloutImage", decision.RolloutImage);
        SetOrRemove(status, "failedImage", decision.FailedImage);
        status["history"] = decision.History;
        status["api"] = api.ToStatus();
        status["web"] = web.ToStatus();
        status["url"] = (spec["tls"] is null ? "http://" : "https://") + spec["host"]!.GetValue<string>();

        var inProgress = decision.Phase is RolloutPhase.Deploying or RolloutPhase.RollingOutApi or RolloutPhase.RollingOutWeb;
        var servingNow = decision.Phase == RolloutPhase.Steady && api.IsDone(target) && web.IsDone(target);
        switch (decision.Phase)
        {
            case RolloutPhase.Failed:
                conditions.Set("Ready", false, "RolloutFailed", decision.Message)
                    .Set("Stalled", true, "RolloutFailed", decision.Message)
                    .Set("Reconciling", false, "RolloutFailed", "the failed digest is not retried until spec.image changes");
                break;
            case RolloutPhase.Steady when servingNow:
                conditions.Set("Ready", true, "Available", $"every tier runs {Rollout.Short(target)} and is available")
                    .Set("Stalled", false, "Available", "")
                    .Set("Reconciling", false, "Available", "");
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
                conditions.Set("Ready", false, reason, message)
                    .Set("Stalled", false, reason, "")
                    .Set("Reconciling", true, reason, message);
                inProgress = true;
                break;
        }

        if (inputs.Database is { } db)
        {
            conditions.Set("DatabaseReady", db.Ready, db.Reason, db.Message);
        }
        else if (spec["database"]?["connectionSecretRef"] is not null)
        {
            conditions.Set("DatabaseReady", true, "ExternalSecret", "the api tier uses the referenced connection Secret");
        }

        status["conditions"] = conditions.ToJson();
        return new ShopPlan(false, false, children, status, decision.Events, inProgress);
    }

    private static string? TestReason(JsonObject? status, string type) =>
        Conditions.Find(status?["conditions"] as JsonArray ?? [], type)?["reason"]?.GetValue<string>();

    private static JsonObject CarryOver(JsonObject? previous)
    {
        var status = previous is null ? [] : (JsonObject)previous.DeepClone();
        status.Remove("conditions");
        return status;
    }

    private static void SetOrRemove(JsonObject status, string field, string? value)
    {
        if (value is null)
        {
            status.Remove(field);
        }
        else
        {
            status[field] = value;
        }
    }
}

/// <summary>The two pure functions of the model project the bridge needs.</summary>
public interface IShopSpecModel
{
    /// <summary>Human-readable field errors ("spec.image: …"); empty when valid.</summary>
    IReadOnlyList<string> Validate(JsonObject shop);

    /// <summary>The desired children, with the given digest on each tier.</summary>
    IReadOnlyList<(ResourceKind Kind, JsonObject Object)> Build(JsonObject shop, string apiImage, string webImage);
}
