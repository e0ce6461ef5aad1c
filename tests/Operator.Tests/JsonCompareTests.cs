using System.Text.Json.Nodes;
using ShopOperator.Kube;

namespace Operator.Tests;

public sealed class JsonCompareTests
{
    private static JsonNode J(string json) => JsonNode.Parse(json)!;

    [Fact]
    public void Server_defaults_added_to_live_are_not_drift()
    {
        var desired = J("""{"spec":{"ports":[{"name":"http","port":80}],"replicas":2}}""");
        var live = J("""{"spec":{"ports":[{"name":"http","port":80,"protocol":"TCP"}],"replicas":2,"revisionHistoryLimit":10},"status":{}}""");
        Assert.True(JsonCompare.IsSubset(desired, live));
    }

    [Fact]
    public void Empty_lists_and_objects_dropped_by_the_server_are_not_drift()
    {
        Assert.True(JsonCompare.IsSubset(J("""{"spec":{"ingress":[],"podSelector":{}}}"""), J("""{"spec":{"policyTypes":["Ingress"]}}""")));
        Assert.False(JsonCompare.IsSubset(J("""{"spec":{"ingress":[]}}"""), J("""{"spec":{"ingress":[{"from":[]}]}}""")));
    }

    [Fact]
    public void Normalised_quantities_are_equal()
    {
        Assert.True(JsonCompare.IsSubset(J("""{"cpu":"0.5","memory":"1Gi","n":"1"}"""), J("""{"cpu":"500m","memory":"1073741824","n":1}""")));
        Assert.False(JsonCompare.IsSubset(J("""{"cpu":"0.5"}"""), J("""{"cpu":"600m"}""")));
    }

    [Theory]
    [InlineData("""{"replicas":3}""")]
    [InlineData("""{"ports":[{"port":80},{"port":81}]}""")]
    [InlineData("""{"ports":[]}""")]
    [InlineData("""{"image":"other"}""")]
    [InlineData("""{}""")]
    public void A_changed_or_missing_field_we_set_is_drift(string live)
    {
        var desired = J("""{"replicas":2,"ports":[{"port":80}],"image":"x"}""");
        Assert.False(JsonCompare.IsSubset(desired, J(live)));
    }
}
