using System.Text.Json.Nodes;
using ShopOperator.Model;

namespace ShopOperator.Diagnose;

/// <summary>
/// What a reconcile pass knows when the shop is not Ready, for <see cref="ReadyDiagnosis"/>: the shop it parsed, the
/// children it applied (refused ones excluded) and those refused, the cached objects the cheap steps look at, and the
/// pods when the pass listed them (on failure only; null otherwise).
/// </summary>
public sealed record ReadyEvidence(
    ParsedShop Shop,
    IReadOnlyList<JsonObject> Applied,
    IReadOnlyList<ApplyFailure> Failures,
    IReadOnlyList<JsonObject> Deployments,
    JsonObject? Ingress,
    IReadOnlyDictionary<string, SecretKeys> Secrets,
    IReadOnlyList<JsonObject>? Pods,
    DateTimeOffset Now);

/// <summary>
/// The shop's own Ready message names the step of the troubleshooting flow that fails (issue 15), from the same
/// step code <c>shop-operator diagnose</c> runs, limited to what needs no extra watch or read: IngressRoutes,
/// PodsReady, Resources and Dependencies over the operator's cache (and the pods, listed only on failure).
/// DNS, LoadBalancer (an address is the ingress controller's business, not the shop's readiness), ServiceEndpoints
/// (EndpointSlices are not cached), AppLogs (pods/log) and RecentChanges (Events) are the command's.
/// The message reads "STEP: what fails; the planner's message; run `kubectl shop diagnose NAME -n NS`".
/// </summary>
public static class ReadyDiagnosis
{
    public static IReadOnlyList<string> CachedSteps { get; } =
        [StepNames.IngressRoutes, StepNames.PodsReady, StepNames.Resources, StepNames.Dependencies];

    /// <summary>
    /// <paramref name="status"/> with its Ready message led by the failing step and ended by the diagnose command,
    /// when Ready is False for a reason the flow can name (not InvalidSpec: the spec is checked before any step).
    /// </summary>
    public static ShopInstanceStatus Annotate(ShopInstanceStatus status, ReadyEvidence evidence)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(evidence);
        var ready = ConditionSet.Find(status.Conditions, ConditionSet.Ready);
        if (ready is not { Status: ConditionStatus.False } || ready.Reason == "InvalidSpec" || evidence.Shop.Shop is not { } shop)
        {
            return status;
        }

        var (step, detail) = FailingStep(ready.Reason, status, evidence);
        var message = (detail is null ? $"{step}: {ready.Message}" : $"{step}: {detail}; {ready.Message}")
            + $"; run `kubectl shop diagnose {shop.Name} -n {shop.Namespace}`";
        return status with
        {
            Conditions = [.. status.Conditions!.Select(c => c.Type == ConditionSet.Ready ? c with { Message = message } : c)],
        };
    }

    /// <summary>The step that looks at a child of this kind: a refused child is reported there.</summary>
    public static string StepFor(string kind) => kind switch
    {
        "Ingress" or "HTTPRoute" => StepNames.IngressRoutes,
        "Service" => StepNames.ServiceEndpoints,
        "NetworkPolicy" => StepNames.Dependencies,
        _ => StepNames.PodsReady, // Deployment, ServiceAccount, PodDisruptionBudget, the Secrets the pods read
    };

    private static (string Step, string? Detail) FailingStep(string? reason, ShopInstanceStatus status, ReadyEvidence evidence)
    {
        if (evidence.Failures.Count > 0)
        {
            // The planner's ChildRejected message already is the refusal.
            return (StepFor(evidence.Failures[0].Kind), null);
        }

        var shop = evidence.Shop.Json;
        var snapshot = new ClusterSnapshot
        {
            // The status this pass writes: Dependencies reads DatabaseReady from it.
            Shop = WithStatus(shop, status),
            Deployments = evidence.Deployments,
            Pods = evidence.Pods ?? [],
            PodsRead = evidence.Pods is not null,
            Ingresses = evidence.Ingress is null ? [] : [evidence.Ingress],
            // What the pass just applied with force is what the server holds for our fields; the cache may lag.
            NetworkPolicies = [.. evidence.Applied.Where(c => (string?)c["kind"] == "NetworkPolicy")],
            Secrets = evidence.Secrets,
            Now = evidence.Now,
            Since = TimeSpan.Zero,
        };
        var view = new ShopView(snapshot, evidence.Shop, evidence.Applied);
        if (DiagnosisSteps.Run(view, CachedSteps).FirstOrDefault(s => s.Status == StepStatus.Fail) is { } failed)
        {
            return (failed.Name, failed.Message);
        }

        // Nothing the cache shows fails: the step the planner's reason is about.
        return (reason switch
        {
            ReadyReasons.RouteNotAccepted => StepNames.IngressRoutes,
            ReadyReasons.DatabaseNotReady => StepNames.Dependencies,
            _ => StepNames.PodsReady,
        }, null);
    }

    private static JsonObject WithStatus(JsonObject shop, ShopInstanceStatus status)
    {
        var copy = new JsonObject
        {
            ["metadata"] = shop["metadata"]?.DeepClone(),
            ["spec"] = shop["spec"]?.DeepClone(),
            ["status"] = ShopInstance.StatusToJson(status),
        };
        return copy;
    }
}
