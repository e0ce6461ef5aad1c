using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Shop.Web;

/// <summary>
/// A Data Protection key ring of exactly one key, derived (HKDF-SHA256) from <c>SHOP_DATA_PROTECTION_KEY</c>.
/// Every web replica given the same secret computes the same key id and master key, so antiforgery tokens
/// and cookies issued by one replica validate on any other, with no shared storage. Rotating the secret
/// invalidates outstanding tokens (shoppers re-submit a form); automatic key generation is disabled.
/// </summary>
public sealed class SharedKeyXmlRepository : IXmlRepository
{
    private readonly XElement _key;

    public SharedKeyXmlRepository(byte[] secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length < 32)
        {
            throw new ArgumentException("SHOP_DATA_PROTECTION_KEY must decode to at least 32 bytes", nameof(secret));
        }

        var id = new Guid(HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 16, info: Encoding.UTF8.GetBytes("shop-web key id")));
        var masterKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 64, info: Encoding.UTF8.GetBytes("shop-web master key"));
        _key = new XElement("key",
            new XAttribute("id", id),
            new XAttribute("version", 1),
            new XElement("creationDate", "2000-01-01T00:00:00Z"),
            new XElement("activationDate", "2000-01-01T00:00:00Z"),
            new XElement("expirationDate", "2999-01-01T00:00:00Z"),
            new XElement("descriptor",
                new XAttribute("deserializerType", typeof(AuthenticatedEncryptorDescriptorDeserializer).AssemblyQualifiedName!),
                new XElement("descriptor",
                    new XElement("encryption", new XAttribute("algorithm", "AES_256_CBC")),
                    new XElement("validation", new XAttribute("algorithm", "HMACSHA256")),
                    new XElement("masterKey", new XElement("value", Convert.ToBase64String(masterKey))))));
    }

    /// <summary>Parses the base64 secret; null when it is not valid base64 of at least 32 bytes.</summary>
    public static byte[]? TryDecodeSecret(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value.Trim(), buffer, out var written) && written >= 32 ? buffer[..written] : null;
    }

    public IReadOnlyCollection<XElement> GetAllElements() => [new XElement(_key)];

    // Keys never change at run time: the secret is the only source of truth.
    public void StoreElement(XElement element, string friendlyName)
    {
    }
}
