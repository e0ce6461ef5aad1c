using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>The deployment controller loop: started after a write of a Deployment, one rolling-update step at a time.</summary>
internal sealed partial class ApiStore
{
    private void AfterWrite(ResourceType type, JsonObject obj)
    {
        if (type.Plural == "deployments")
        {
            var key = Key(type, Meta(obj, "namespace"), Meta(obj, "name")!);
            var generation = obj["metadata"]!["generation"]!.GetValue<long>();
            if (obj["status"]?["observedGeneration"]?.GetValue<long>() != generation && _deploymentRuns.GetValueOrDefault(key) != generation)
            {
                // One controller run per generation: a metadata-only write before its first sync starts no second one.
                _deploymentRuns[key] = generation;
                _ = RunDeploymentControllerAsync(type, key, generation, _time.GetUtcNow());
            }
        }
    }

    /// <summary>
    /// The deployment controller: every <see cref="EmulatorOptions.DeploymentControllerDelay"/> one rolling-update
    /// step, until the new pods are all available or, with a failing image, the progress deadline has passed.
    /// </summary>
    private async Task RunDeploymentControllerAsync(ResourceType type, string key, long generation, DateTimeOffset started)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(_options.DeploymentControllerDelay, _time, _stop.Token);
                lock (_gate)
                {
                    if (!_objects.TryGetValue(key, out var current) || current["metadata"]!["generation"]!.GetValue<long>() != generation)
                    {
                        return;
                    }

                    var template = current["spec"]?["template"]?.ToJsonString() ?? "";
                    var desired = current["spec"]?["replicas"]?.GetValue<int>() ?? 1;
                    var images = (current["spec"]?["template"]?["spec"]?["containers"] as JsonArray ?? []).Select(c => c?["image"]?.GetValue<string>() ?? "");
                    var failing = FailingImages();
                    var pods = DeploymentController.Step(DeploymentPods.For(_deploymentPods.GetValueOrDefault(key), template), desired, images.Any(failing.Contains));
                    _deploymentPods[key] = pods;
                    var complete = DeploymentController.IsComplete(pods, desired);
                    var deadline = TimeSpan.FromSeconds(current["spec"]?["progressDeadlineSeconds"]?.GetValue<int>() ?? 600);
                    var exceeded = !complete && _time.GetUtcNow() - started >= deadline;
                    var next = (JsonObject)current.DeepClone();
                    next["status"] = DeploymentController.Status(current, pods, exceeded, Now());
                    if (!JsonNode.DeepEquals(next["status"], current["status"]))
                    {
                        Store(type, key, next, "MODIFIED");
                    }

                    if (complete || exceeded)
                    {
                        _deploymentRuns.Remove(key);
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Server stopping.
        }
    }

    private HashSet<string> FailingImages()
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        var configMaps = _types.Find(t => t.Plural == "configmaps")!;
        if (_objects.TryGetValue(Key(configMaps, "kube-system", "emulator-faults"), out var cm) && cm["data"]?["failingImages"]?.GetValue<string>() is { } text)
        {
            set.UnionWith(text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        return set;
    }
}
