using System.Security.Cryptography;

namespace ShopOperator.Reconcile;

/// <summary>Strong random secret material. Values live only in the Secret objects: never logged, never in status or events.</summary>
public static class SecretValues
{
    /// <summary>32 random bytes, base64: the web tier's data-protection key.</summary>
    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>The shop role's password: URL- and connection-string-safe, 256 bits (see ShopOperator.Database).</summary>
    public static string NewPassword() => ShopOperator.Database.PasswordGenerator.Generate();
}
