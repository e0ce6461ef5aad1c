using System.Text.Json.Nodes;

namespace ShopOperator.Model.Specs;

/// <summary>
/// A PodDisruptionBudget (maxUnavailable 1) for a tier with more than one replica, or whose replicas the spec leaves
/// unset: then an HPA decides the count, and since maxUnavailable 1 never blocks an eviction, even at one pod, the
/// budget is right at every count it may pick (no budget to add and delete each time it scales across 1).
/// At an explicit 0 or 1 it protects nothing and is not made.
/// </summary>
public static class PodDisruptionBudgets
{
    /// <summary>The tier's budget, or null when the spec sets the tier to at most one replica.</summary>
    public static JsonObject? Build(ShopInstance shop, string tier)
    {
        ArgumentNullException.ThrowIfNull(shop);
        if (Tiers.Replicas(shop.Spec, tier) is <= 1)
        {
            return null;
        }

        return new JsonObject
        {
            ["apiVersion"] = "policy/v1",
            ["kind"] = "PodDisruptionBudget",
            ["metadata"] = ChildMeta.For(shop, ChildMeta.TierName(shop.Name, tier), tier),
            ["spec"] = new JsonObject { ["maxUnavailable"] = 1, ["selector"] = new JsonObject { ["matchLabels"] = ChildMeta.Selector(shop.Name, tier) } },
        };
    }
}
