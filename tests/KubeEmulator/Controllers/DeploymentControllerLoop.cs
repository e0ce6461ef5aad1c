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
    /// step (with the ReplicaSets and Pods behind it), until the new pods are all available or, with pods that
    /// cannot start, the progress deadline has passed; a change of their inputs starts it again (Workloads.cs).
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

                    var desired = current["spec"]?["replicas"]?.GetValue<int>() ?? 1;
                    var pods = StepDeployment(key, current);
                    var complete = DeploymentController.IsComplete(pods, desired);
                    var deadline = TimeSpan.FromSeconds(current["spec"]?["progressDeadlineSeconds"]?.GetValue<int>() ?? 600);
                    var exceeded = !complete && _time.GetUtcNow() - started >= deadline;
                    var status = DeploymentController.Status(current, pods, exceeded, Now());
                    if (!JsonNode.DeepEquals(status, current["status"]))
                    {
                        // Copied only when it changes: most steps of a waiting rollout report the same status.
                        var next = (JsonObject)current.DeepClone();
                        next["status"] = status;
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
}
