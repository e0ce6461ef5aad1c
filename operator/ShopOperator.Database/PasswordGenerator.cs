using System.Security.Cryptography;

namespace ShopOperator.Database;

/// <summary>Strong passwords for the shop role: 32 random bytes as unpadded base64url (43 characters of [A-Za-z0-9_-]).</summary>
public static class PasswordGenerator
{
    public static string Generate()
    {
        // URL-safe so the password needs no escaping in a connection string, a URL or a shell.
        return Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
            .TrimEnd('=')
            .Replace('+', '-')
            .Replace('/', '_');
    }
}
