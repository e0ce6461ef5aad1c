using System.Text.Json.Nodes;
using Xunit;

namespace Config.Tests.Manifests;

/// <summary>
/// config/samples/external-secrets produce exactly the Secrets (names and keys) the ShopInstance samples read,
/// so an admin who applies them gets a shop whose database Secrets exist.
/// </summary>
public sealed class SecretStoreSampleTests
{
    private static IReadOnlyList<JsonObject> Load(string file) =>
        YamlJson.LoadAll(Repo.Read("config/samples/external-secrets/" + file)).Select(n => n!.AsObject()).ToList();

    private static JsonObject ShopSample(string file) =>
        YamlJson.LoadAll(Repo.Read(file)).Select(n => n!.AsObject()).Single(o => (string?)o["kind"] == "ShopInstance");

    [Fact]
    public void The_connection_ExternalSecret_writes_the_Secret_and_key_the_full_sample_reads()
    {
        var reference = ShopSample("config/samples/shopinstance-full.yaml")["spec"]!["database"]!["connectionSecretRef"]!;
        var external = Load("externalsecret-connection.yaml").Single(o => (string?)o["kind"] == "ExternalSecret");
        Assert.Equal("external-secrets.io/v1", (string?)external["apiVersion"]);
        Assert.Equal((string?)reference["name"], (string?)external["spec"]!["target"]!["name"]);
        var keys = external["spec"]!["target"]!["template"]!["data"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains((string?)reference["key"] ?? "connectionString", keys);
        Assert.Equal(
            (string?)external["spec"]!["secretStoreRef"]!["name"],
            (string?)Load("secretstore-aws.yaml").Single(o => (string?)o["kind"] == "SecretStore")["metadata"]!["name"]);
    }

    [Fact]
    public void The_admin_ExternalSecret_writes_every_key_the_provisioner_needs()
    {
        var reference = ShopSample("config/samples/provision/shopinstance-provisioned.yaml")["spec"]!["database"]!["provision"]!["adminSecretRef"]!;
        var external = Load("externalsecret-admin.yaml").Single();
        Assert.Equal((string?)reference["name"], (string?)external["spec"]!["target"]!["name"]);
        var keys = external["spec"]!["data"]!.AsArray().Select(d => (string?)d!["secretKey"]).ToList();
        Assert.Superset(new HashSet<string?>(["host", "port", "username", "password"]), keys.ToHashSet());
    }

    [Fact]
    public void The_sealed_variant_unseals_into_the_connection_Secret()
    {
        var sealedSecret = Load("sealedsecret-connection.yaml").Single();
        var reference = ShopSample("config/samples/shopinstance-full.yaml")["spec"]!["database"]!["connectionSecretRef"]!;
        Assert.Equal("bitnami.com/v1alpha1", (string?)sealedSecret["apiVersion"]);
        Assert.Equal((string?)reference["name"], (string?)sealedSecret["spec"]!["template"]!["metadata"]!["name"]);
        Assert.NotNull(sealedSecret["spec"]!["encryptedData"]![(string?)reference["key"] ?? "connectionString"]);
    }

    [Fact]
    public void The_store_authenticates_with_a_cloud_role_not_a_stored_key()
    {
        var objects = Load("secretstore-aws.yaml");
        var account = objects.Single(o => (string?)o["kind"] == "ServiceAccount");
        Assert.NotNull(account["metadata"]!["annotations"]!["eks.amazonaws.com/role-arn"]);
        var auth = objects.Single(o => (string?)o["kind"] == "SecretStore")["spec"]!["provider"]!["aws"]!["auth"]!;
        Assert.Null(auth["secretRef"]);
        Assert.Equal((string?)account["metadata"]!["name"], (string?)auth["jwt"]!["serviceAccountRef"]!["name"]);
    }
}
