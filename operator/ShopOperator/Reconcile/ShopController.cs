using System.Text.Json;
using System.Text.Json.Nodes;
using ShopOperator.Kube;
using ShopOperator.Runtime;

namespace ShopOperator.Reconcile;

/// <summary>
/// What the ShopInstance controller watches (controller-runtime's SetupWithManager, declared once):
/// <c>For</c> ShopInstances, <c>Owns</c> the child kinds (events map to the controller owner) and <c>Watches</c>
/// Secrets through a map from a Secret to the ShopInstances that reference it (connection and admin Secrets), so
/// a Secret that arrives, changes or goes away brings a pass at once.
/// </summary>
public static class ShopController
{
    /// <summary>Index of ShopInstances by the Secrets they reference, as "namespace/name".</summary>
    public const string SecretIndex = "spec.database.secretRefs";

    public static ControllerDefinition Definition { get; } = DefinitionFor(GatewayApi.NotServed);

    /// <summary>The definition for a cluster that does or does not serve HTTPRoutes (owned only when it does).</summary>
    public static ControllerDefinition DefinitionFor(GatewayApi gatewayApi)
    {
        ArgumentNullException.ThrowIfNull(gatewayApi);
        return new(
            OperatorMetrics.ControllerName,
            ResourceKind.ShopInstance,
            gatewayApi.Served ? [.. ResourceKind.Owned, ResourceKind.HttpRoute] : ResourceKind.Owned,
            [new WatchDefinition(ResourceKind.Secret, LabelSelector: null, ShopsReferencing, WithoutForeignSecretValues)],
            [new IndexDefinition(ResourceKind.ShopInstance, SecretIndex, ReferencedSecretKeys)]);
    }

    /// <summary>spec.database.connectionSecretRef (name, key), read from the raw object so it works for any spec.</summary>
    public static (string Name, string Key)? ConnectionSecret(JsonObject shop)
    {
        ArgumentNullException.ThrowIfNull(shop);
        var reference = shop["spec"]?["database"]?["connectionSecretRef"];
        return Text(reference?["name"]) is { Length: > 0 } name
            ? (name, Text(reference?["key"]) is { Length: > 0 } key ? key : ShopOperator.Model.Defaults.ConnectionStringKey)
            : null;
    }

    /// <summary>spec.database.provision.adminSecretRef.name, read from the raw object (the finalizer needs it even for an invalid spec).</summary>
    public static string? AdminSecret(JsonObject shop)
    {
        ArgumentNullException.ThrowIfNull(shop);
        return Text(shop["spec"]?["database"]?["provision"]?["adminSecretRef"]?["name"]) is { Length: > 0 } name ? name : null;
    }

    private static IEnumerable<string> ReferencedSecretKeys(JsonObject shop)
    {
        var ns = Text(shop["metadata"]?["namespace"]) ?? "";
        if (ConnectionSecret(shop) is { } connection)
        {
            yield return ns + "/" + connection.Name;
        }

        if (AdminSecret(shop) is { } admin)
        {
            yield return ns + "/" + admin;
        }
    }

    private static IEnumerable<string> ShopsReferencing(ClusterCache cache, JsonObject secret) =>
        cache.ByIndex(ResourceKind.ShopInstance, SecretIndex, Informer.KeyOf(secret));

    /// <summary>
    /// Secrets that are not ours are kept without their values (key names only): the cache answers "does it exist,
    /// does it have the key" without holding other teams' credentials. The admin Secret's values are read with a
    /// targeted GET when provisioning needs them.
    /// </summary>
    public static JsonObject WithoutForeignSecretValues(JsonObject secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var meta = secret["metadata"] as JsonObject;
        var ours = Text(meta?["labels"]?["app.kubernetes.io/managed-by"]) == ShopOperator.Model.DesiredState.ManagedBy
            || Controller.ControllerOwner(secret) is not null;
        if (ours)
        {
            return secret;
        }

        var stripped = new JsonObject
        {
            ["apiVersion"] = secret["apiVersion"]?.DeepClone(),
            ["kind"] = secret["kind"]?.DeepClone(),
            ["metadata"] = new JsonObject(KeptMetadata.Where(f => meta?[f] is not null).Select(f => KeyValuePair.Create(f, (JsonNode?)meta![f]!.DeepClone()))),
        };
        if (secret["data"] is JsonObject data)
        {
            stripped["data"] = new JsonObject(data.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(""))));
        }

        return stripped;
    }

    // Not annotations: kubectl's last-applied-configuration holds the values in clear.
    private static readonly string[] KeptMetadata = ["name", "namespace", "uid", "resourceVersion", "labels", "ownerReferences"];

    private static string? Text(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
