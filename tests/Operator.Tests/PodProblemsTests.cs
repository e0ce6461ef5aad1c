using System.Text.Json.Nodes;
using ShopOperator.Reconcile;

namespace Operator.Tests;

/// <summary>The pods' own words for why a tier is not available, as a failed rollout's message carries them.</summary>
public sealed class PodProblemsTests
{
    private static JsonObject Pod(string status) => new() { ["status"] = JsonNode.Parse(status) };

    [Fact]
    public void Waiting_reasons_and_unschedulable_pods_are_named_once_with_their_count()
    {
        var missingSecret = Pod("""{"containerStatuses":[{"name":"shop","state":{"waiting":{"reason":"CreateContainerConfigError","message":"secret \"shop-db\" not found"}}}]}""");
        var unschedulable = Pod("""{"conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable","message":"0/3 nodes are available: 3 Insufficient cpu."}]}""");
        var starting = Pod("""{"containerStatuses":[{"name":"shop","state":{"waiting":{"reason":"ContainerCreating"}}}]}""");
        var running = Pod("""{"containerStatuses":[{"name":"shop","state":{"running":{}}}]}""");

        var problems = PodProblems.From([missingSecret, missingSecret.DeepClone().AsObject(), unschedulable, starting, running]);

        Assert.Equal(
            [
                "CreateContainerConfigError: secret \"shop-db\" not found (2 pods)",
                "Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.",
            ],
            problems);
    }
}
