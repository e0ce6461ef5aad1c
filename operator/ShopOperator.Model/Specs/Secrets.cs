using System.Text.Json.Nodes;

namespace ShopOperator.Model.Specs;

/// <summary>
/// The Secrets the operator generates: the web tier's data-protection key, and the provisioned database's
/// credentials. Values are empty placeholders; the operator fills them once, at creation, and never rewrites them.
/// </summary>
public static class Secrets
{
    public static IReadOnlyList<JsonObject> Build(ShopInstance shop)
    {
        ArgumentNullException.ThrowIfNull(shop);
        var secrets = new List<JsonObject> { Secret(shop, WebKeysName(shop.Name), Tiers.Web, "dataProtectionKey") };
        if (shop.Spec.Database.Provision is not null)
        {
            secrets.Add(Secret(shop, DatabaseName(shop.Name), Tiers.Api, "password", "connectionString", "host"));
        }

        return secrets;
    }

    public static string WebKeysName(string shopName) => shopName + "-web-keys";

    /// <summary>The Secret the operator writes for spec.database.provision (keys password, connectionString, host).</summary>
    public static string DatabaseName(string shopName) => shopName + "-db";

    private static JsonObject Secret(ShopInstance shop, string name, string component, params string[] keys) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = ChildMeta.For(shop, name, component),
        ["type"] = "Opaque",
        ["data"] = new JsonObject([.. keys.Select(k => KeyValuePair.Create(k, (JsonNode?)""))]),
    };
}
