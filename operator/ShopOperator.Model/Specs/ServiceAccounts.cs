using System.Text.Json.Nodes;

namespace ShopOperator.Model.Specs;

/// <summary>
/// One ServiceAccount per tier; no token is mounted (the shop never calls the Kubernetes API). Its annotations
/// come from spec.&lt;tier&gt;.serviceAccount.annotations (a cloud identity: IRSA, GKE Workload Identity).
/// </summary>
public static class ServiceAccounts
{
    public static JsonObject Build(ShopInstance shop, string tier)
    {
        ArgumentNullException.ThrowIfNull(shop);
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ServiceAccount",
            ["metadata"] = ChildMeta.For(shop, ChildMeta.TierName(shop.Name, tier), tier, Annotations(Tiers.Spec(shop.Spec, tier)?.ServiceAccount)),
            ["automountServiceAccountToken"] = false,
        };
    }

    private static JsonObject? Annotations(ServiceAccountSpec? serviceAccount) =>
        serviceAccount?.Annotations is { Count: > 0 } annotations
            ? new JsonObject([.. annotations.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value))])
            : null;
}
