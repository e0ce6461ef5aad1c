using System.Text.Json.Nodes;

namespace ShopOperator.Model;

/// <summary>The outcome of the database step on this pass, as the DatabaseReady condition shows it (never a secret).</summary>
public sealed record DatabaseCondition(bool Ready, string Reason, string Message);

/// <summary>A child the API server refused on this pass (its message names the field), or a foreign object in its place.</summary>
public sealed record ApplyFailure(string Kind, string Name, string Message)
{
    public override string ToString() => $"{Kind} {Name}: {Message}";
}

/// <summary>A Secret the spec references that does not exist (<see cref="Key"/> null), or lacks <see cref="Key"/>.</summary>
public sealed record MissingSecret(string Name, string? Key = null);

/// <summary>A Secret the spec references, the keys the operator or the shop reads from it, and the field that names it.</summary>
public sealed record SecretReference(string Name, IReadOnlyList<string> Keys, string Field);

/// <summary>
/// What the reconciler knows besides the ShopInstance: its live Deployments, the database outcome, and what went
/// wrong on this pass: children the API server refused, referenced Secrets or keys that are missing, and why the
/// tiers' pods are waiting (e.g. "CreateContainerConfigError: secret \"shop-db\" not found"), read on failure;
/// and the database's ports as the connection names them (NetworkPolicies.PortOf, the admin Secret's port);
/// and the live HTTPRoute with spec.gateway, whose status.parents[].conditions say whether its Gateways took it.
/// </summary>
public sealed record PlanRequest(
    ParsedShop Shop,
    JsonObject? LiveApiDeployment,
    JsonObject? LiveWebDeployment,
    DatabaseCondition? Database,
    DateTimeOffset Now,
    IReadOnlyList<ApplyFailure>? ApplyFailures = null,
    IReadOnlyList<MissingSecret>? MissingSecrets = null,
    IReadOnlyList<string>? PodProblems = null,
    IReadOnlyList<int>? DatabasePorts = null,
    JsonObject? LiveRoute = null);

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

/// <summary>The reasons of the Ready condition the planner writes besides the rollout's own (docs/architecture.md).</summary>
public static class ReadyReasons
{
    /// <summary>The API server refused a child (or a foreign object holds its name): Ready=False, Stalled=True.</summary>
    public const string ChildRejected = "ChildRejected";

    /// <summary>DatabaseReady is False: the shop cannot serve, whatever the Deployments say.</summary>
    public const string DatabaseNotReady = "DatabaseNotReady";

    /// <summary>The HTTPRoute's Accepted or ResolvedRefs condition is False for one of its Gateways: the shop is not reachable there.</summary>
    public const string RouteNotAccepted = "RouteNotAccepted";

    /// <summary>DatabaseReady's reason when a referenced Secret or one of its keys is missing.</summary>
    public const string SecretMissing = "SecretMissing";
}

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
        var shopJson = request.Shop.Json;
        var generation = JsonRead.Long(JsonRead.Child(shopJson["metadata"], "generation")) ?? 0;
        var previous = ShopInstance.ReadStatus(shopJson["status"]);
        var conditions = new ConditionSet(previous?.Conditions, generation, request.Now);
        var status = (previous ?? new ShopInstanceStatus()) with { ObservedGeneration = generation };

        var errors = request.Shop.Errors;
        if (request.Shop.Shop is not { } shop)
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

        var children = DesiredState.Build(shop, decision.ApiImage, decision.WebImage, request.DatabasePorts);
        var missing = request.MissingSecrets ?? [];
        var (connectionSecret, _) = Specs.Deployments.DatabaseConnection(shop);
        if (request.LiveApiDeployment is null && missing.Any(m => m.Name == connectionSecret))
        {
            // Not created before its database Secret exists: its pods could only wait in CreateContainerConfigError.
            children = [.. children.Where(c => !(JsonRead.Text(c["kind"]) == "Deployment" && JsonRead.Text(JsonRead.Child(c["metadata"], "name")) == Specs.ChildMeta.TierName(shop.Name, Specs.Tiers.Api)))];
        }

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

        var database = DatabaseOutcome(shop, request.Database, missing);
        if (database is not null)
        {
            conditions.Set(ConditionSet.DatabaseReady, database.Ready, database.Reason, database.Message);
        }

        var planned = new List<PlannedEvent>(decision.Events);
        var databaseBefore = ConditionSet.Find(previous?.Conditions, ConditionSet.DatabaseReady);
        if (database is { Ready: false }
            && (databaseBefore is not { Status: ConditionStatus.False } || databaseBefore.Reason != database.Reason || databaseBefore.Message != database.Message))
        {
            // A database failure is an error an admin must see (kubectl describe, event exporters): a Warning Event
            // when it starts or changes, not on every retry.
            planned.Add(new PlannedEvent("Warning", database.Reason, database.Message));
        }

        var pods = request.PodProblems is { Count: > 0 } problems ? "; pods: " + string.Join("; ", problems) : "";
        var inProgress = decision.Phase is RolloutPhase.Deploying or RolloutPhase.RollingOutApi or RolloutPhase.RollingOutWeb;
        var servingNow = decision.Phase == RolloutPhase.Steady && api.IsDone(target) && web.IsDone(target);
        var previousReady = ConditionSet.Find(previous?.Conditions, ConditionSet.Ready);
        if (request.ApplyFailures is { Count: > 0 } failures)
        {
            var message = "the API server refused " + string.Join("; ", failures);
            conditions.Set(ConditionSet.Ready, false, ReadyReasons.ChildRejected, message)
                .Set(ConditionSet.Stalled, true, ReadyReasons.ChildRejected, message)
                .Set(ConditionSet.Reconciling, false, ReadyReasons.ChildRejected, "retried on every change of the shop, its children or its Secrets");
            if (previousReady is not { Reason: ReadyReasons.ChildRejected } || previousReady.Message != message)
            {
                planned.Add(new PlannedEvent("Warning", ReadyReasons.ChildRejected, message));
            }

            inProgress = false;
        }
        else if (decision.Phase == RolloutPhase.Failed)
        {
            conditions.Set(ConditionSet.Ready, false, "RolloutFailed", decision.Message + pods)
                .Set(ConditionSet.Stalled, true, "RolloutFailed", decision.Message + pods)
                .Set(ConditionSet.Reconciling, false, "RolloutFailed", decision.ServingImage is null
                    ? "the first deployment recovers when both tiers become available on its digest; nothing else is retried until spec.image changes"
                    : "the failed digest is not retried until spec.image changes");
        }
        else if (database is { Ready: false })
        {
            var message = $"the database is not ready ({database.Reason}): {database.Message}";
            conditions.Set(ConditionSet.Ready, false, ReadyReasons.DatabaseNotReady, message)
                .Set(ConditionSet.Stalled, false, ReadyReasons.DatabaseNotReady, "")
                .Set(ConditionSet.Reconciling, true, ReadyReasons.DatabaseNotReady, message);
            inProgress = true;
        }
        else if (servingNow && spec.Gateway is not null && RouteProblems(request.LiveRoute) is { Count: > 0 } routeProblems)
        {
            var message = $"every tier is available, but HTTPRoute {shop.Name} is not served: " + string.Join("; ", routeProblems);
            conditions.Set(ConditionSet.Ready, false, ReadyReasons.RouteNotAccepted, message)
                .Set(ConditionSet.Stalled, false, ReadyReasons.RouteNotAccepted, "")
                .Set(ConditionSet.Reconciling, false, ReadyReasons.RouteNotAccepted, "the Gateway's controller decides; its status change brings the next pass");
        }
        else if (servingNow)
        {
            conditions.Set(ConditionSet.Ready, true, "Available", $"every tier runs {RolloutPlanner.Short(target)} and is available")
                .Set(ConditionSet.Stalled, false, "Available", "")
                .Set(ConditionSet.Reconciling, false, "Available", "");
        }
        else
        {
            var reason = decision.Phase switch
            {
                RolloutPhase.RollingOutApi => "RollingOutApi",
                RolloutPhase.RollingOutWeb => "RollingOutWeb",
                RolloutPhase.Deploying => "Deploying",
                _ => "Progressing",
            };
            var message = (decision.Phase == RolloutPhase.Steady ? "waiting for the Deployments to become available" : decision.Message) + pods;
            conditions.Set(ConditionSet.Ready, false, reason, message)
                .Set(ConditionSet.Stalled, false, reason, "")
                .Set(ConditionSet.Reconciling, true, reason, message);
            inProgress = true;
        }

        return new Plan(false, false, children, status with { Conditions = conditions.ToList() }, planned, inProgress);
    }

    /// <summary>
    /// The route's parents whose Accepted or ResolvedRefs condition is False (Gateway API RouteParentStatus), as
    /// "parent gateway-system/shared-gateway (section https): Accepted=False (NotAllowedByListeners): message".
    /// A route no Gateway has reported on yet has no problems here: implementations differ in how fast they write.
    /// </summary>
    public static IReadOnlyList<string> RouteProblems(JsonObject? route)
    {
        var problems = new List<string>();
        if (JsonRead.Child(route?["status"], "parents") is not JsonArray parents)
        {
            return problems;
        }

        foreach (var parent in parents.OfType<JsonObject>())
        {
            var reference = parent["parentRef"];
            var ns = JsonRead.Text(JsonRead.Child(reference, "namespace")) ?? JsonRead.Text(JsonRead.Child(route?["metadata"], "namespace"));
            var section = JsonRead.Text(JsonRead.Child(reference, "sectionName")) is { } s ? $" (section {s})" : "";
            foreach (var condition in (parent["conditions"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var type = JsonRead.Text(condition["type"]);
                if (type is "Accepted" or "ResolvedRefs" && JsonRead.Text(condition["status"]) == "False")
                {
                    problems.Add($"parent {ns}/{JsonRead.Text(JsonRead.Child(reference, "name"))}{section}: {type}=False ({JsonRead.Text(condition["reason"])}): {JsonRead.Text(condition["message"])}");
                }
            }
        }

        return problems;
    }

    /// <summary>
    /// The Secrets the spec references, with the keys read from them: the connection Secret (its key), or the
    /// provisioning admin Secret (host, port, username, password). For a map from Secret to ShopInstances.
    /// </summary>
    public static IReadOnlyList<SecretReference> ReferencedSecrets(ShopInstance shop)
    {
        ArgumentNullException.ThrowIfNull(shop);
        var database = shop.Spec.Database;
        return database switch
        {
            { ConnectionSecretRef: { } reference } =>
                [new SecretReference(reference.Name, Specs.DatabaseSecret.Keys(reference), "spec.database.connectionSecretRef")],
            { Provision: { } provision } =>
                [new SecretReference(provision.AdminSecretRef.Name, ["host", "port", "username", "password"], "spec.database.provision.adminSecretRef")],
            _ => [],
        };
    }

    /// <summary>DatabaseReady: a missing referenced Secret or key first, then the database step's outcome, then the external Secret's.</summary>
    private static DatabaseCondition? DatabaseOutcome(ShopInstance shop, DatabaseCondition? outcome, IReadOnlyList<MissingSecret> missing)
    {
        var references = ReferencedSecrets(shop);
        var named = missing
            .Select(m => (Missing: m, Reference: references.FirstOrDefault(r => r.Name == m.Name)))
            .Where(x => x.Reference is not null)
            .Select(x => x.Missing.Key is null
                ? $"Secret {x.Missing.Name} ({x.Reference!.Field}) not found"
                : $"Secret {x.Missing.Name} ({x.Reference!.Field}) has no key {x.Missing.Key}")
            .ToList();
        if (named.Count > 0)
        {
            return new DatabaseCondition(false, ReadyReasons.SecretMissing, string.Join("; ", named) + "; the shop heals when it is created");
        }

        if (outcome is not null)
        {
            return outcome;
        }

        return shop.Spec.Database.ConnectionSecretRef is not null
            ? new DatabaseCondition(true, "ExternalSecret", "the api tier uses the referenced connection Secret")
            : null;
    }

    /// <summary>What spec.database.provision asks for; null when it is not set or the spec is invalid.</summary>
    public static ProvisionRequest? Provision(JsonObject shopJson)
    {
        ArgumentNullException.ThrowIfNull(shopJson);
        if (ParsedShop.Parse(shopJson).Shop is not { } shop)
        {
            return null;
        }

        return shop.Spec.Database.Provision is { } provision
            ? new ProvisionRequest(shop.Namespace, shop.Name, provision.AdminSecretRef.Name, DatabaseSecretNameFor(shop), provision.DeletionPolicy == DeletionPolicy.Delete)
            : null;
    }

    /// <summary>True when this pass must not touch the database or the children.</summary>
    public static bool IsSuspendedOrInvalid(JsonObject shopJson)
    {
        ArgumentNullException.ThrowIfNull(shopJson);
        return ParsedShop.Parse(shopJson).Shop is not { } shop || shop.Spec.Suspend;
    }

    private static string DatabaseSecretNameFor(ShopInstance shop) => DesiredState.DatabaseSecretName(shop.Name);
}

/// <summary>spec.database.provision in the operator's terms.</summary>
public sealed record ProvisionRequest(string Namespace, string ShopName, string AdminSecretName, string SecretName, bool DeleteOnRemoval);
