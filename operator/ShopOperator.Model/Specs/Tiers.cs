namespace ShopOperator.Model.Specs;

/// <summary>The two tiers, in the order their children are built (api first, as rollouts go).</summary>
public static class Tiers
{
    public const string Api = "api";
    public const string Web = "web";

    public static IReadOnlyList<string> All { get; } = [Api, Web];

    public static TierSpec? Spec(ShopInstanceSpec spec, string tier)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return tier == Api ? spec.Api : spec.Web;
    }

    /// <summary>The tier's replicas, or null when the spec leaves them to another manager (an HPA): then they are never applied.</summary>
    public static int? Replicas(ShopInstanceSpec spec, string tier) => Spec(spec, tier)?.Replicas;
}
