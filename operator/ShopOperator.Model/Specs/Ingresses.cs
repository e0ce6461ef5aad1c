using System.Globalization;
using System.Text.Json.Nodes;

namespace ShopOperator.Model.Specs;

/// <summary>The shop's Ingress: /api to the api tier, / to the web tier, TLS and rate limit as the spec asks.</summary>
public static class Ingresses
{
    /// <summary>The Ingress, or null when spec.gateway exposes the shop through an HTTPRoute instead (<see cref="HttpRoutes"/>).</summary>
    public static JsonObject? Build(ShopInstance shop)
    {
        ArgumentNullException.ThrowIfNull(shop);
        if (shop.Spec.Gateway is not null)
        {
            return null;
        }

        var name = shop.Name;
        var spec = shop.Spec;
        var annotations = new JsonObject();
        if (spec.Ingress?.RateLimitPerSecond is > 0 and var rps)
        {
            annotations["nginx.ingress.kubernetes.io/limit-rps"] = rps.ToString(CultureInfo.InvariantCulture);
        }

        if (spec.Tls?.ClusterIssuer is { } issuer)
        {
            annotations["cert-manager.io/cluster-issuer"] = issuer;
        }

        JsonObject Path(string path, string tier) => new()
        {
            ["path"] = path,
            ["pathType"] = "Prefix",
            ["backend"] = new JsonObject { ["service"] = new JsonObject { ["name"] = ChildMeta.TierName(name, tier), ["port"] = new JsonObject { ["name"] = "http" } } },
        };
        var ingressSpec = new JsonObject
        {
            ["ingressClassName"] = spec.Ingress?.ClassName ?? Defaults.IngressClassName,
            ["rules"] = new JsonArray(new JsonObject { ["host"] = spec.Host, ["http"] = new JsonObject { ["paths"] = new JsonArray(Path("/api", Tiers.Api), Path("/", Tiers.Web)) } }),
        };

        // cert-manager issues into the Secret the Ingress names, so an issuer alone still needs a Secret name.
        var secretName = spec.Tls?.SecretName ?? (spec.Tls?.ClusterIssuer is not null ? name + "-tls" : null);
        if (secretName is not null)
        {
            ingressSpec["tls"] = new JsonArray(new JsonObject { ["hosts"] = new JsonArray(spec.Host), ["secretName"] = secretName });
        }

        return new JsonObject { ["apiVersion"] = "networking.k8s.io/v1", ["kind"] = "Ingress", ["metadata"] = ChildMeta.For(shop, name, null, annotations), ["spec"] = ingressSpec };
    }
}
