using System.Text.Json.Nodes;
using ShopOperator.Kube;
using ShopOperator.Model;

namespace ShopOperator.Reconcile;

/// <summary>
/// The reconciler's view of ShopOperator.Model: the model plans on JSON in, typed status out; this maps its
/// children to the API kinds and its status to the JSON the status subresource stores.
/// </summary>
public sealed class ShopModel : IShopModel
{
    public DatabaseRequest? DatabaseRequest(JsonObject shop) =>
        ShopPlanner.Provision(shop) is { } p ? new DatabaseRequest(p.Namespace, p.ShopName, p.AdminSecretName, p.SecretName, p.DeleteOnRemoval) : null;

    public bool IsSuspendedOrInvalid(JsonObject shop) => ShopPlanner.IsSuspendedOrInvalid(shop);

    public ShopPlan Plan(PlanInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var database = inputs.Database is { } db ? new DatabaseCondition(db.Ready, db.Reason, db.Message) : null;
        var plan = ShopPlanner.Plan(new PlanRequest(inputs.Shop, inputs.LiveApiDeployment, inputs.LiveWebDeployment, database, inputs.Now));
        var children = plan.Children
            .Select(c => (Kind(c), c))
            .ToList();
        return new ShopPlan(
            plan.Invalid,
            plan.Suspended,
            children,
            ShopInstance.StatusToJson(plan.Status),
            [.. plan.Events.Select(e => new PlannedEvent(e.Type, e.Reason, e.Message))],
            plan.InProgress);
    }

    private static ResourceKind Kind(JsonObject child) =>
        ResourceKind.FromApiVersionKind(child["apiVersion"]?.GetValue<string>(), child["kind"]?.GetValue<string>())
            ?? throw new InvalidOperationException($"the model produced a kind the operator does not own: {child["apiVersion"]} {child["kind"]}");
}
