using System.Text.Json.Nodes;

namespace ShopOperator.Model.Specs;

/// <summary>
/// How the api tier reads its database connection from a Secret, in the shapes other tools write: one key with a
/// connection string (an Npgsql string or a postgresql:// URI; the shop tells them apart), or one key per field
/// (CloudNativePG's <c>&lt;cluster&gt;-app</c>, Crunchy PGO's <c>&lt;cluster&gt;-pguser-&lt;user&gt;</c>, an External
/// Secrets template). The operator never reads the values: env from secretKeyRef, and the shop assembles the Npgsql
/// connection string at start (shop/Shop/Hosting/DatabaseConnection.cs) and refuses a bad one with a clear message.
/// </summary>
public static class DatabaseSecret
{
    /// <summary>The env variable with the database host under format Fields; NO_PROXY names it as <c>$(SHOP_DB_HOST)</c>.</summary>
    public const string HostVariable = "SHOP_DB_HOST";

    /// <summary>Format Fields: each Secret key, the shop's variable it fills, and whether the Secret may lack it.</summary>
    public static IReadOnlyList<(string Key, string Variable, bool Optional)> Fields { get; } =
    [
        ("host", HostVariable, false),
        ("port", "SHOP_DB_PORT", true),
        ("dbname", "SHOP_DB_NAME", false),
        ("user", "SHOP_DB_USER", true),
        ("username", "SHOP_DB_USERNAME", true),
        ("password", "SHOP_DB_PASSWORD", false),
        ("sslmode", "SHOP_DB_SSLMODE", true),
    ];

    /// <summary>True when the api tier reads a key-per-field Secret.</summary>
    public static bool UsesFields(ShopInstance shop)
    {
        ArgumentNullException.ThrowIfNull(shop);
        return shop.Spec.Database.ConnectionSecretRef?.Format == ConnectionSecretFormat.Fields;
    }

    /// <summary>The api tier's database env: SHOP_DB_CONNECTION from the connection key, or one variable per field.</summary>
    public static IReadOnlyList<JsonObject> Env(ShopInstance shop)
    {
        ArgumentNullException.ThrowIfNull(shop);
        var (secret, key) = Deployments.DatabaseConnection(shop);
        return UsesFields(shop)
            ? [.. Fields.Select(f => SecretEnv(f.Variable, secret, f.Key, f.Optional))]
            : [SecretEnv("SHOP_DB_CONNECTION", secret, key, optional: false)];
    }

    /// <summary>Every key the shop may read from the Secret (for the map from Secrets to ShopInstances).</summary>
    public static IReadOnlyList<string> Keys(SecretKeyRef reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return reference.Format == ConnectionSecretFormat.Fields
            ? [.. Fields.Select(f => f.Key)]
            : [reference.Key ?? Defaults.ConnectionStringKey];
    }

    /// <summary>
    /// The keys the Secret lacks for the shop to start, as DatabaseReady names them: the connection key, or with
    /// Fields host, dbname, password and one of user and username ("user or username").
    /// </summary>
    public static IReadOnlyList<string> MissingKeys(SecretKeyRef reference, IReadOnlyCollection<string> present)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(present);
        if (reference.Format != ConnectionSecretFormat.Fields)
        {
            var key = reference.Key ?? Defaults.ConnectionStringKey;
            return present.Contains(key) ? [] : [key];
        }

        var missing = Fields.Where(f => !f.Optional && !present.Contains(f.Key)).Select(f => f.Key).ToList();
        if (!present.Contains("user") && !present.Contains("username"))
        {
            missing.Insert(missing.Contains("password") ? missing.Count - 1 : missing.Count, "user or username");
        }

        return missing;
    }

    private static JsonObject SecretEnv(string name, string secret, string key, bool optional)
    {
        var reference = new JsonObject { ["name"] = secret, ["key"] = key };
        if (optional)
        {
            reference["optional"] = true;
        }

        return new JsonObject { ["name"] = name, ["valueFrom"] = new JsonObject { ["secretKeyRef"] = reference } };
    }
}
