using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace KubeEmulator.Tests;

/// <summary>
/// The emulated deployment controller through a RollingUpdate ("Deployments": rolling update with maxSurge and
/// maxUnavailable of 25 %; "kubectl rollout status": done only when updatedReplicas = replicas = desired and
/// availableReplicas = updatedReplicas — old replicas pending termination are not done). Every status the
/// controller writes is read from a watch, so no intermediate step is missed.
/// </summary>
public sealed class DeploymentControllerTests() : EmulatorTest(new EmulatorOptions { DeploymentControllerDelay = TimeSpan.FromMilliseconds(50) })
{
    private const string Deployments = "/apis/apps/v1/namespaces/default/deployments";

    private async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await Http.SendAsync(request);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.True(response.IsSuccessStatusCode, answer.ToJsonString());
        return answer;
    }

    private static JsonObject Deployment(string name, string image, int replicas, int deadlineSeconds = 600) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["progressDeadlineSeconds"] = deadlineSeconds,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = image }) },
            },
        },
    };

    private sealed record Snapshot(long ObservedGeneration, int Replicas, int Updated, int Available, string Progressing, string Available_);

    private static Snapshot Read(JsonObject d)
    {
        var s = d["status"];
        string Condition(string type) => (s?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c["type"]!.GetValue<string>() == type)?["reason"]?.GetValue<string>() ?? "";
        return new Snapshot(
            s?["observedGeneration"]?.GetValue<long>() ?? 0,
            s?["replicas"]?.GetValue<int>() ?? 0,
            s?["updatedReplicas"]?.GetValue<int>() ?? 0,
            s?["availableReplicas"]?.GetValue<int>() ?? 0,
            Condition("Progressing"),
            Condition("Available"));
    }

    /// <summary>Every state of <paramref name="name"/> after <paramref name="resourceVersion"/> until <paramref name="until"/> holds.</summary>
    private async Task<List<Snapshot>> WatchUntilAsync(string name, string resourceVersion, Func<Snapshot, bool> until)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        using var response = await Http.GetAsync(new Uri($"{Deployments}?watch=1&resourceVersion={resourceVersion}", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var seen = new List<Snapshot>();
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            var obj = JsonNode.Parse(line)!["object"]!.AsObject();
            if (obj["metadata"]?["name"]?.GetValue<string>() != name)
            {
                continue;
            }

            seen.Add(Read(obj));
            if (until(seen[^1]))
            {
                return seen;
            }
        }

        throw new InvalidOperationException("watch ended early");
    }

    private async Task<(JsonObject Deployment, long Generation)> ReadyAsync(string name, string image, int replicas, int deadlineSeconds = 600)
    {
        var created = await SendAsync(HttpMethod.Post, Deployments, Deployment(name, image, replicas, deadlineSeconds));
        await WatchUntilAsync(name, created["metadata"]!["resourceVersion"]!.GetValue<string>(), s => s.Available == replicas && s.Progressing == "NewReplicaSetAvailable");
        var ready = await SendAsync(HttpMethod.Get, $"{Deployments}/{name}");
        return (ready, ready["metadata"]!["generation"]!.GetValue<long>());
    }

    private async Task<(JsonObject Updated, long Generation)> SetImageAsync(JsonObject deployment, string image)
    {
        deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = image;
        var updated = await SendAsync(HttpMethod.Put, $"{Deployments}/{deployment["metadata"]!["name"]}", deployment);
        return (updated, updated["metadata"]!["generation"]!.GetValue<long>());
    }

    [Fact]
    public async Task Deployments_Rolling_update_keeps_old_pods_available_and_old_replicas_pending_termination_are_not_done()
    {
        var (ready, _) = await ReadyAsync("roll", "img:1", 2);

        var (updated, generation) = await SetImageAsync(ready, "img:2");
        var steps = await WatchUntilAsync("roll", updated["metadata"]!["resourceVersion"]!.GetValue<string>(), s => s.Progressing == "NewReplicaSetAvailable");

        var current = steps.Where(s => s.ObservedGeneration == generation).ToList();
        Assert.All(current, s => Assert.True(s.Available >= 2, $"maxUnavailable 0 for 2 replicas: {s}"));
        Assert.Contains(current, s => s.Replicas == 3 && s.Updated == 1);

        // Every new replica exists and enough pods are available, but an old one still runs: not done yet.
        Assert.Contains(current, s => s.Updated == 2 && s.Replicas == 3 && s.Available >= s.Updated && s.Progressing == "ReplicaSetUpdated");
        Assert.Equal(new Snapshot(generation, 2, 2, 2, "NewReplicaSetAvailable", "MinimumReplicasAvailable"), current[^1]);
    }

    [Fact]
    public async Task Deployments_A_failing_new_image_leaves_the_old_pods_serving_until_the_deadline()
    {
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/kube-system/configmaps", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = "emulator-faults" },
            ["data"] = new JsonObject { ["failingImages"] = "bad:1" },
        });
        var (ready, _) = await ReadyAsync("stuck", "img:1", 4, deadlineSeconds: 1);

        var (updated, generation) = await SetImageAsync(ready, "bad:1");
        var steps = await WatchUntilAsync("stuck", updated["metadata"]!["resourceVersion"]!.GetValue<string>(), s => s.Progressing == "ProgressDeadlineExceeded");

        // 4 replicas: maxUnavailable 1, maxSurge 1; the old ReplicaSet keeps 3 available, the deployment stays Available.
        var last = steps[^1];
        Assert.Equal(generation, last.ObservedGeneration);
        Assert.Equal(3, last.Available);
        Assert.True(last.Updated is > 0 and < 4, last.ToString());
        Assert.Equal("MinimumReplicasAvailable", last.Available_);

        // Rolling back to the old template finds its pods still running.
        var (back, backGeneration) = await SetImageAsync(await SendAsync(HttpMethod.Get, $"{Deployments}/stuck"), "img:1");
        var recovered = await WatchUntilAsync("stuck", back["metadata"]!["resourceVersion"]!.GetValue<string>(), s => s.ObservedGeneration == backGeneration && s.Progressing == "NewReplicaSetAvailable");
        Assert.Equal(new Snapshot(backGeneration, 4, 4, 4, "NewReplicaSetAvailable", "MinimumReplicasAvailable"), recovered[^1]);
        Assert.All(recovered.Where(s => s.ObservedGeneration == backGeneration), s => Assert.True(s.Available >= 3, s.ToString()));
    }

    [Fact]
    public async Task Deployments_A_new_deployment_starts_with_no_pod_available()
    {
        var created = await SendAsync(HttpMethod.Post, Deployments, Deployment("fresh", "img:1", 2));

        var steps = await WatchUntilAsync("fresh", created["metadata"]!["resourceVersion"]!.GetValue<string>(), s => s.Progressing == "NewReplicaSetAvailable");

        Assert.Equal(new Snapshot(1, 2, 2, 0, "ReplicaSetUpdated", "MinimumReplicasUnavailable"), steps[0]);
        Assert.Equal(new Snapshot(1, 2, 2, 2, "NewReplicaSetAvailable", "MinimumReplicasAvailable"), steps[^1]);
        var deleted = await SendAsync(HttpMethod.Delete, $"{Deployments}/fresh");
        Assert.Equal("fresh", deleted["metadata"]?["name"]?.GetValue<string>() ?? deleted["details"]?["name"]?.GetValue<string>());
    }
}
