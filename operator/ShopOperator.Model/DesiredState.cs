using System.Text.Json.Nodes;
using ShopOperator.Model.Specs;

namespace ShopOperator.Model;

/// <summary>
/// The children of a ShopInstance (contract: docs/architecture.md), as the JSON objects the operator applies:
/// the composition of one pure builder per kind in <see cref="Specs"/>. The same shop and images always give
/// the same objects.
/// </summary>
public static class DesiredState
{
    public const int HttpPort = 8080;
    public const int MetricsPort = 9090;
    public const int ServicePort = 80;
    public const int RunAsUser = 1654;
    public const string ManagedBy = "shop-operator";

    /// <summary>The children, with <paramref name="apiImage"/> and <paramref name="webImage"/> on the two tiers (the rollout planner's choice).</summary>
    /// <param name="shop">The shop.</param>
    /// <param name="apiImage">The api tier's image.</param>
    /// <param name="webImage">The web tier's image.</param>
    /// <param name="databasePorts">The database's ports as the connection names them (<see cref="NetworkPolicies.PortOf"/>), for the api tier's egress when spec.database.egress.ports is not set; default 5432.</param>
    public static IReadOnlyList<JsonObject> Build(ShopInstance shop, string apiImage, string webImage, IReadOnlyList<int>? databasePorts = null)
    {
        ArgumentNullException.ThrowIfNull(shop);
        var children = new List<JsonObject>(Secrets.Build(shop));
        foreach (var tier in Tiers.All)
        {
            children.Add(ServiceAccounts.Build(shop, tier));
            children.Add(Services.Build(shop, tier));
            children.Add(Deployments.Build(shop, tier, tier == Tiers.Api ? apiImage : webImage));
            if (PodDisruptionBudgets.Build(shop, tier) is { } budget)
            {
                children.Add(budget);
            }
        }

        children.AddRange(NetworkPolicies.Build(shop, databasePorts));
        // Exactly one exposure: the Ingress, or with spec.gateway the HTTPRoute.
        if (Ingresses.Build(shop) is { } ingress)
        {
            children.Add(ingress);
        }

        if (HttpRoutes.Build(shop) is { } route)
        {
            children.Add(route);
        }
        return children;
    }

    /// <summary>The Secret the operator writes for spec.database.provision (keys password, connectionString).</summary>
    public static string DatabaseSecretName(string shopName) => Secrets.DatabaseName(shopName);

    public static string Url(ShopInstanceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return (spec.Tls is null ? "http://" : "https://") + spec.Host;
    }
}
