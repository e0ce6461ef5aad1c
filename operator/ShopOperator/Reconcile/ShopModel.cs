using System.Text.Json.Nodes;

namespace ShopOperator.Reconcile;

/// <summary>Bridges to ShopOperator.Model (validation, desired objects, rollout planning, status).</summary>
public sealed class ShopModel : IShopModel
{
    public DatabaseRequest? DatabaseRequest(JsonObject shop) => null;

    public bool IsSuspendedOrInvalid(JsonObject shop) => true;

    public ShopPlan Plan(PlanInputs inputs) => throw new NotSupportedException("model not wired yet");
}
