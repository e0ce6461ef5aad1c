using System.Text.Json.Nodes;

namespace ShopOperator.Model.Specs;

/// <summary>One ServiceAccount per tier; no token is mounted (the shop never calls the Kubernetes API).</summary>
public static class ServiceAccounts
{
    public static JsonObject Build(ShopInstance shop, string tier)
    {
        ArgumentNullException.ThrowIfNull(shop);
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ServiceAccount",
            ["metadata"] = ChildMeta.For(shop, ChildMeta.TierName(shop.Name, tier), tier),
            ["automountServiceAccountToken"] = false,
        };
    }
}
