namespace ShopOperator.Kube;

/// <summary>Where a kind lives in the API, so one raw client can list, watch and write every kind.</summary>
public sealed record ResourceKind(string Group, string Version, string Plural, string Kind)
{
    public static readonly ResourceKind ShopInstance = new("shop.example.com", "v1alpha1", "shopinstances", "ShopInstance");
    public static readonly ResourceKind Deployment = new("apps", "v1", "deployments", "Deployment");
    public static readonly ResourceKind Service = new("", "v1", "services", "Service");
    public static readonly ResourceKind ServiceAccount = new("", "v1", "serviceaccounts", "ServiceAccount");
    public static readonly ResourceKind Secret = new("", "v1", "secrets", "Secret");
    public static readonly ResourceKind Ingress = new("networking.k8s.io", "v1", "ingresses", "Ingress");
    public static readonly ResourceKind NetworkPolicy = new("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy");
    public static readonly ResourceKind PodDisruptionBudget = new("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget");
    public static readonly ResourceKind Event = new("", "v1", "events", "Event");

    /// <summary>Owned only when the cluster serves the Gateway API (<see cref="Reconcile.GatewayApi"/>).</summary>
    public static readonly ResourceKind HttpRoute = new("gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute");

    /// <summary>The kinds the operator creates for a ShopInstance, in the order it creates them; <see cref="HttpRoute"/> too when the cluster serves it.</summary>
    public static IReadOnlyList<ResourceKind> Owned { get; } =
        [Secret, ServiceAccount, Service, Deployment, PodDisruptionBudget, NetworkPolicy, Ingress];

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>Collection or object path; <paramref name="ns"/> null means across all namespaces.</summary>
    public string Path(string? ns, string? name = null, string? subresource = null)
    {
        var root = Group.Length == 0 ? $"api/{Version}" : $"apis/{Group}/{Version}";
        var path = ns is null ? $"{root}/{Plural}" : $"{root}/namespaces/{Uri.EscapeDataString(ns)}/{Plural}";
        if (name is not null)
        {
            path += "/" + Uri.EscapeDataString(name);
        }

        if (subresource is not null)
        {
            path += "/" + subresource;
        }

        return path;
    }

    public static ResourceKind? FromApiVersionKind(string? apiVersion, string? kind) =>
        Owned.Append(HttpRoute).Append(ShopInstance).FirstOrDefault(k => k.ApiVersion == apiVersion && k.Kind == kind);
}
