using System.Text.Json.Nodes;

namespace Operator.Tests;

/// <summary>The operator's own process writes JSON lines whose reconcile lines carry the shop's namespace and name as top-level fields.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class JsonLogTests(EmulatorFixture fixture)
{
    [Fact]
    public async Task Reconcile_lines_have_namespace_and_name_as_top_level_fields_and_the_level_is_honoured()
    {
        var ns = $"logs-{Guid.NewGuid().ToString("N")[..6]}";
        var kube = new TestKube(new k8s.Kubernetes(fixture.Cluster.Config));
        await kube.CreateNamespaceAsync(ns);
        await using var op = OperatorProcess.Start(fixture.Cluster.Config, new Dictionary<string, string> { ["WATCH_NAMESPACES"] = ns, ["OPERATOR_LOG_LEVEL"] = "Information" });
        await kube.CreateAsync(TestKube.Shop(ns, "demo"));

        JsonObject created;
        try
        {
            created = await Poll.UntilAsync(
                () => Task.FromResult(op.Stdout.Select(Parse).FirstOrDefault(l => (string?)l?["Message"] == "Created Deployment demo-web")),
                TimeSpan.FromSeconds(90), // a cold process on a loaded machine
                "the Created Deployment line",
                TimeSpan.FromMilliseconds(100));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "\nstdout:\n" + string.Join('\n', op.Stdout) + "\nstderr:\n" + string.Join('\n', op.Stderr), e);
        }

        Assert.Equal(ns, (string?)created["namespace"]);
        Assert.Equal("demo", (string?)created["name"]);
        Assert.Equal("Information", (string?)created["LogLevel"]);
        Assert.Equal("Deployment", (string?)created["Kind"]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", (string?)created["Timestamp"]);

        // The rollout lifecycle is logged with its Event's reason (issue 13).
        await kube.WaitForConditionAsync(ns, "demo", "Ready", "True", TimeSpan.FromSeconds(90));
        var shop = (await kube.GetAsync(ShopOperator.Kube.ResourceKind.ShopInstance, ns, "demo"))!;
        shop["spec"]!["image"] = TestKube.DigestB;
        await kube.Api.ReplaceAsync(ShopOperator.Kube.ResourceKind.ShopInstance, ns, "demo", shop, CancellationToken.None);
        var started = await Poll.UntilAsync(
            () => Task.FromResult(op.Stdout.Select(Parse).FirstOrDefault(l => ((string?)l?["Message"])?.StartsWith("RolloutStarted: ", StringComparison.Ordinal) == true)),
            TimeSpan.FromSeconds(60),
            "the RolloutStarted line",
            TimeSpan.FromMilliseconds(100));
        Assert.Equal(ns, (string?)started["namespace"]);
        Assert.Equal("demo", (string?)started["name"]);
        Assert.Equal("Information", (string?)started["LogLevel"]);

        Assert.All(op.Stdout, line => Assert.NotNull(Parse(line)));
        Assert.DoesNotContain(op.Stdout.Select(Parse), l => (string?)l!["LogLevel"] is "Debug" or "Trace");
    }

    private static JsonObject? Parse(string line)
    {
        try
        {
            return JsonNode.Parse(line) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
