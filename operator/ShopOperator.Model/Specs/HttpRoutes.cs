using System.Text.Json.Nodes;

namespace ShopOperator.Model.Specs;

/// <summary>
/// The shop's HTTPRoute (Gateway API v1) when spec.gateway is set: attached to the named Gateways, for spec.host,
/// /api (PathPrefix) to the api Service and / to the web Service, on the Services' http port. TLS and rate limits
/// belong to the Gateway and its implementation's policies, not to the route.
/// </summary>
public static class HttpRoutes
{
    public const string ApiVersion = "gateway.networking.k8s.io/v1";
    public const string Kind = "HTTPRoute";

    /// <summary>The route, or null when the shop is exposed through an Ingress.</summary>
    public static JsonObject? Build(ShopInstance shop)
    {
        ArgumentNullException.ThrowIfNull(shop);
        if (shop.Spec.Gateway is not { } gateway)
        {
            return null;
        }

        JsonObject Rule(string prefix, string tier) => new()
        {
            ["matches"] = new JsonArray(new JsonObject { ["path"] = new JsonObject { ["type"] = "PathPrefix", ["value"] = prefix } }),
            ["backendRefs"] = new JsonArray(new JsonObject { ["name"] = ChildMeta.TierName(shop.Name, tier), ["port"] = DesiredState.ServicePort }),
        };
        return new JsonObject
        {
            ["apiVersion"] = ApiVersion,
            ["kind"] = Kind,
            ["metadata"] = ChildMeta.For(shop, shop.Name, null),
            ["spec"] = new JsonObject
            {
                ["parentRefs"] = new JsonArray([.. gateway.ParentRefs.Select(ParentRef)]),
                ["hostnames"] = new JsonArray(shop.Spec.Host),
                ["rules"] = new JsonArray(Rule("/api", Tiers.Api), Rule("/", Tiers.Web)),
            },
        };
    }

    /// <summary>The namespaces of the Gateways the route attaches to (a parentRef without namespace: the shop's), once each, in order.</summary>
    public static IReadOnlyList<string> GatewayNamespaces(ShopInstance shop)
    {
        ArgumentNullException.ThrowIfNull(shop);
        return shop.Spec.Gateway is { } gateway ? [.. gateway.ParentRefs.Select(p => p.Namespace ?? shop.Namespace).Distinct(StringComparer.Ordinal)] : [];
    }

    private static JsonObject ParentRef(ParentReference parent)
    {
        // group and kind are the upstream defaults (gateway.networking.k8s.io, Gateway), written so the applied object reads the same as the live one.
        var reference = new JsonObject { ["group"] = "gateway.networking.k8s.io", ["kind"] = "Gateway", ["name"] = parent.Name };
        if (parent.Namespace is { } ns)
        {
            reference["namespace"] = ns;
        }

        if (parent.SectionName is { } section)
        {
            reference["sectionName"] = section;
        }

        if (parent.Port is { } port)
        {
            reference["port"] = port;
        }

        return reference;
    }
}
