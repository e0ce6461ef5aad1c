using System.Security.Cryptography;

namespace ShopOperator.Reconcile;

/// <summary>Strong random secret material. Values live only in the Secret objects: never logged, never in status or events.</summary>
public static class SecretValues
{
    /// <summary>32 random bytes, base64: the web tier's data-protection key.</summary>
    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>A password of URL- and connection-string-safe characters (no quoting needed), 32 chars ≈ 190 bits.</summary>
    public static string NewPassword()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return RandomNumberGenerator.GetString(alphabet, 32);
    }
}
