using System.Text.Json.Nodes;

namespace ShopOperator.Model.Specs;

/// <summary>One ClusterIP Service per tier: http on port 80, metrics on 9090.</summary>
public static class Services
{
    public static JsonObject Build(ShopInstance shop, string tier)
    {
        ArgumentNullException.ThrowIfNull(shop);
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = ChildMeta.For(shop, ChildMeta.TierName(shop.Name, tier), tier),
            ["spec"] = new JsonObject
            {
                ["selector"] = ChildMeta.Selector(shop.Name, tier),
                ["ports"] = new JsonArray(
                    new JsonObject { ["name"] = "http", ["port"] = DesiredState.ServicePort, ["targetPort"] = "http", ["protocol"] = "TCP" },
                    new JsonObject { ["name"] = "metrics", ["port"] = DesiredState.MetricsPort, ["targetPort"] = "metrics", ["protocol"] = "TCP" }),
            },
        };
    }
}
