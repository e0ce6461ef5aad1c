using System.Text.Json.Nodes;

namespace ShopOperator.Model.Specs;

/// <summary>A PodDisruptionBudget for a tier with more than one replica (with one, it would block every node drain).</summary>
public static class PodDisruptionBudgets
{
    /// <summary>The tier's budget, or null when the tier runs at most one replica.</summary>
    public static JsonObject? Build(ShopInstance shop, string tier)
    {
        ArgumentNullException.ThrowIfNull(shop);
        if (Tiers.Replicas(shop.Spec, tier) <= 1)
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
