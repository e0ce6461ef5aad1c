using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Shop.Web;
using Xunit;

namespace Shop.Tests.Web;

/// <summary>
/// Web replicas share no storage, only SHOP_DATA_PROTECTION_KEY (the operator's generated Secret): a token one
/// replica protects must open on another with the same secret, and on no replica with a different one.
/// </summary>
public sealed class SharedKeyXmlRepositoryTests
{
    private static IDataProtector Replica(byte[] secret)
    {
        var services = new ServiceCollection();
        services.AddDataProtection().SetApplicationName("shop-web").DisableAutomaticKeyGeneration();
        services.Configure<KeyManagementOptions>(o => o.XmlRepository = new SharedKeyXmlRepository(secret));
        return services.BuildServiceProvider().GetDataProtector("antiforgery-like purpose");
    }

    [Fact]
    public void A_token_from_one_replica_opens_on_another_with_the_same_secret()
    {
        var secret = RandomNumberGenerator.GetBytes(32);

        var token = Replica(secret).Protect("cart 42");

        Assert.Equal("cart 42", Replica((byte[])secret.Clone()).Unprotect(token));
    }

    [Fact]
    public void A_token_does_not_open_with_a_different_secret()
    {
        var token = Replica(RandomNumberGenerator.GetBytes(32)).Protect("cart 42");

        Assert.ThrowsAny<CryptographicException>(() => Replica(RandomNumberGenerator.GetBytes(32)).Unprotect(token));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not base64 at all!")]
    [InlineData("c2hvcnQ=")]
    public void Secrets_that_are_not_base64_of_32_bytes_are_refused(string? value)
    {
        Assert.Null(SharedKeyXmlRepository.TryDecodeSecret(value));
    }

    [Fact]
    public void A_32_byte_base64_secret_is_accepted()
    {
        var secret = RandomNumberGenerator.GetBytes(32);

        Assert.Equal(secret, SharedKeyXmlRepository.TryDecodeSecret(Convert.ToBase64String(secret)));
    }
}
