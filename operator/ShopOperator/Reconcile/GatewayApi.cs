using System.Text.Json.Nodes;
using ShopOperator.Kube;

namespace ShopOperator.Reconcile;

/// <summary>
/// Whether the cluster serves HTTPRoutes (gateway.networking.k8s.io/v1), found by discovery once at start: the
/// operator owns and watches HTTPRoutes only then (a watch of a kind the server does not serve would never sync).
/// Installing the CRDs later takes a restart of the operator; until then a shop with spec.gateway says so in Ready.
/// </summary>
public sealed record GatewayApi(bool Served, string Message)
{
    public const string DiscoveryPath = "apis/gateway.networking.k8s.io/v1";

    public static GatewayApi NotServed { get; } = new(false, "the cluster does not serve the Gateway API (gateway.networking.k8s.io/v1 httproutes): install its CRDs and restart the operator, or expose the shop with spec.ingress");

    public static async Task<GatewayApi> DiscoverAsync(KubeApi api, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(api);
        try
        {
            var resources = JsonNode.Parse(await api.GetTextAsync(DiscoveryPath, ct))?["resources"] as JsonArray;
            return resources?.Any(r => r?["name"]?.GetValue<string>() == ResourceKind.HttpRoute.Plural) == true
                ? new GatewayApi(true, "the cluster serves gateway.networking.k8s.io/v1 httproutes: shops with spec.gateway get an HTTPRoute")
                : NotServed;
        }
        catch (KubeApiException e) when (e.IsNotFound)
        {
            return NotServed;
        }
    }
}
