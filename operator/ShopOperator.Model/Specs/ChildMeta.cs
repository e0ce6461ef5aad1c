using System.Text.Json.Nodes;

namespace ShopOperator.Model.Specs;

/// <summary>What every child shares: its metadata (labels, owner reference) and the tiers' pod selectors.</summary>
public static class ChildMeta
{
    /// <summary>metadata of a child named <paramref name="childName"/>, controlled by <paramref name="shop"/>.</summary>
    public static JsonObject For(ShopInstance shop, string childName, string? component, JsonObject? annotations = null)
    {
        ArgumentNullException.ThrowIfNull(shop);
        var meta = new JsonObject
        {
            ["name"] = childName,
            ["namespace"] = shop.Namespace,
            ["labels"] = Labels(shop.Name, component),
            ["ownerReferences"] = new JsonArray(Owner(shop)),
        };
        if (annotations is { Count: > 0 })
        {
            meta["annotations"] = annotations;
        }

        return meta;
    }

    /// <summary>The controller reference: garbage collection deletes the child with the shop, and the operator never adopts an object without it.</summary>
    public static JsonObject Owner(ShopInstance shop)
    {
        ArgumentNullException.ThrowIfNull(shop);
        return new JsonObject
        {
            ["apiVersion"] = CrdGenerator.ApiVersion,
            ["kind"] = CrdGenerator.Kind,
            ["name"] = shop.Name,
            ["uid"] = shop.Uid,
            ["controller"] = true,
            ["blockOwnerDeletion"] = true,
        };
    }

    public static JsonObject Labels(string shopName, string? component)
    {
        var labels = new JsonObject
        {
            ["app.kubernetes.io/name"] = "shop",
            ["app.kubernetes.io/instance"] = shopName,
            ["app.kubernetes.io/part-of"] = "shop",
            ["app.kubernetes.io/managed-by"] = DesiredState.ManagedBy,
        };
        if (component is not null)
        {
            labels["app.kubernetes.io/component"] = component;
        }

        return labels;
    }

    /// <summary>The pods of one tier (Deployment selector, Service selector, PDB, NetworkPolicy).</summary>
    public static JsonObject Selector(string shopName, string tier) => new()
    {
        ["app.kubernetes.io/name"] = "shop",
        ["app.kubernetes.io/instance"] = shopName,
        ["app.kubernetes.io/component"] = tier,
    };

    /// <summary>The pods of both tiers.</summary>
    public static JsonObject ShopSelector(string shopName) => new()
    {
        ["app.kubernetes.io/instance"] = shopName,
        ["app.kubernetes.io/name"] = "shop",
    };

    /// <summary>The object a tier's children are named after: &lt;shop&gt;-web, &lt;shop&gt;-api.</summary>
    public static string TierName(string shopName, string tier) => $"{shopName}-{tier}";
}
