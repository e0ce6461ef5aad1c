using System.Text.Json.Nodes;
using ShopOperator.Runtime;

namespace Operator.Tests;

/// <summary>The informer's stored form of an object (issue 14: the cache is most of the heap at 1,000 shops).</summary>
public sealed class CachedObjectTests
{
    // A Deployment as the emulator serves one of a shop's children (managedFields already stripped by the transform).
    private static JsonObject Deployment() => (JsonObject)JsonNode.Parse(Repo.Read("tests/testdata/cached-deployment.json"))!;

    [Fact]
    public void An_object_reads_back_exactly_as_it_was_stored_with_its_version_and_owner_beside_it()
    {
        var deployment = Deployment();
        var cached = CachedObject.From(deployment);

        Assert.True(JsonNode.DeepEquals(deployment, cached.Parse()));
        Assert.Equal("45", cached.ResourceVersion);
        Assert.Equal("bench-0/shop-00000", cached.OwnerKey);

        // Each read is a fresh copy: a caller may change it.
        var first = cached.Parse();
        first["spec"]!["replicas"] = 99;
        Assert.True(JsonNode.DeepEquals(deployment, cached.Parse()));
    }

    [Fact]
    public void A_deployment_is_kept_in_well_under_half_of_its_json()
    {
        var deployment = Deployment();
        var json = System.Text.Encoding.UTF8.GetByteCount(deployment.ToJsonString());
        var cached = CachedObject.From(deployment);

        Assert.Equal(json, cached.Length);
        Assert.True(cached.Compressed.Length * 2 < json, $"{cached.Compressed.Length} bytes kept for {json} bytes of JSON");
    }
}
