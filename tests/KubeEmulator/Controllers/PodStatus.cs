using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>
/// The status the kubelet reports for a simulated pod (core/v1 PodStatus): phase, the conditions
/// PodScheduled/Initialized/ContainersReady/Ready, and one containerStatus per container with its
/// state (running or waiting with the kubelet's reason), restartCount and lastState.
/// </summary>
internal static class PodStatus
{
    /// <param name="pod">The pod with its current status (restart counts and start times carry over).</param>
    /// <param name="verdicts">What starting each container gives.</param>
    /// <param name="ready">The deployment controller counts this pod available.</param>
    /// <param name="started">False for a pod created in this step: its containers are still being created.</param>
    /// <param name="now">The current time.</param>
    /// <param name="backoff">The crash-loop back-off unit: a crashing container restarts after backoff·2^(restarts-1).</param>
    /// <param name="ip">The pod IP, once it has a sandbox.</param>
    public static JsonObject For(JsonObject pod, IReadOnlyList<ContainerVerdict> verdicts, bool ready, bool started, DateTimeOffset now, TimeSpan backoff, string ip)
    {
        var nowText = Time(now);
        var old = pod["status"] as JsonObject;
        var oldStatuses = (old?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>().ToDictionary(c => c["name"]?.GetValue<string>() ?? "", StringComparer.Ordinal);
        var name = pod["metadata"]?["name"]?.GetValue<string>() ?? "";
        var ns = pod["metadata"]?["namespace"]?.GetValue<string>() ?? "";
        var uid = pod["metadata"]?["uid"]?.GetValue<string>() ?? "";
        var statuses = new JsonArray();
        var allRunning = true;
        var anyRunningPhase = false;
        var mounting = !ready && verdicts.Any(v => v.Problem == ContainerProblem.MountFailed);
        foreach (var verdict in verdicts)
        {
            oldStatuses.TryGetValue(verdict.Container, out var previous);
            var restarts = previous?["restartCount"]?.GetValue<int>() ?? 0;
            JsonObject state;
            JsonNode? lastState = previous?["lastState"]?.DeepClone();
            var containerReady = false;
            // A pod the controller counts available runs, whatever its inputs do now (the kubelet resolved them at start).
            var problem = ready ? ContainerProblem.None : verdict.Problem;
            if (!started || problem == ContainerProblem.MountFailed || (problem == ContainerProblem.None && !ready))
            {
                state = Waiting("ContainerCreating", null);
            }
            else
            {
                switch (problem)
                {
                    case ContainerProblem.ImagePull:
                        var pulled = previous?["state"]?["waiting"]?["reason"]?.GetValue<string>() is "ErrImagePull" or "ImagePullBackOff";
                        state = pulled ? Waiting("ImagePullBackOff", $"Back-off pulling image \"{verdict.Image}\"") : Waiting("ErrImagePull", verdict.Message);
                        break;
                    case ContainerProblem.ConfigError:
                        state = Waiting("CreateContainerConfigError", verdict.Message);
                        break;
                    case ContainerProblem.Crash or ContainerProblem.OomKilled:
                        anyRunningPhase = true;
                        var finished = previous?["lastState"]?["terminated"]?["finishedAt"]?.GetValue<string>();
                        var due = finished is null || now - DateTimeOffset.Parse(finished, System.Globalization.CultureInfo.InvariantCulture) >= backoff * Math.Pow(2, Math.Min(restarts - 1, 5));
                        if (due)
                        {
                            // The container ran and exited again: one more restart, the exit is its lastState.
                            restarts++;
                            var oom = problem == ContainerProblem.OomKilled;
                            lastState = new JsonObject
                            {
                                ["terminated"] = new JsonObject
                                {
                                    ["exitCode"] = oom ? 137 : 1,
                                    ["reason"] = oom ? "OOMKilled" : "Error",
                                    ["startedAt"] = nowText,
                                    ["finishedAt"] = nowText,
                                    ["containerID"] = ContainerId(uid, verdict.Container, restarts),
                                },
                            };
                        }

                        var seconds = Math.Min(10 * (int)Math.Pow(2, Math.Max(0, restarts - 1)), 300);
                        state = Waiting("CrashLoopBackOff", $"back-off {(seconds >= 60 ? $"{seconds / 60}m{seconds % 60}s" : $"{seconds}s")} restarting failed container={verdict.Container} pod={name}_{ns}({uid})");
                        break;
                    default:
                        anyRunningPhase = true;
                        containerReady = true;
                        var startedAt = previous?["state"]?["running"]?["startedAt"]?.DeepClone() ?? nowText;
                        state = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = startedAt } };
                        break;
                }
            }

            allRunning &= containerReady;
            var status = new JsonObject
            {
                ["name"] = verdict.Container,
                ["state"] = state,
                ["lastState"] = lastState ?? new JsonObject(),
                ["ready"] = containerReady,
                ["restartCount"] = restarts,
                ["image"] = verdict.Image,
                ["imageID"] = "",
                ["started"] = containerReady,
            };
            if (containerReady || lastState is JsonObject { Count: > 0 })
            {
                status["imageID"] = $"{verdict.Image.Split('@')[0]}@sha256:{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(verdict.Image)))}";
                status["containerID"] = ContainerId(uid, verdict.Container, restarts);
            }

            statuses.Add(status);
        }

        var isReady = started && allRunning && verdicts.Count > 0;
        var unready = string.Join(" ", verdicts.Where(_ => !isReady).Select(v => v.Container));
        var hasSandbox = started && !mounting;
        var result = new JsonObject
        {
            ["phase"] = anyRunningPhase || isReady ? "Running" : "Pending",
            ["conditions"] = new JsonArray(
                Condition(old, "PodReadyToStartContainers", hasSandbox, nowText, null, null),
                Condition(old, "Initialized", true, nowText, null, null),
                Condition(old, "Ready", isReady, nowText, "ContainersNotReady", $"containers with unready status: [{unready}]"),
                Condition(old, "ContainersReady", isReady, nowText, "ContainersNotReady", $"containers with unready status: [{unready}]"),
                Condition(old, "PodScheduled", true, nowText, null, null)),
            ["hostIP"] = "10.0.0.10",
            ["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = "10.0.0.10" }),
            ["startTime"] = old?["startTime"]?.DeepClone() ?? nowText,
            ["containerStatuses"] = statuses,
            ["qosClass"] = QosClass(pod["spec"] as JsonObject),
        };
        if (hasSandbox)
        {
            result["podIP"] = ip;
            result["podIPs"] = new JsonArray(new JsonObject { ["ip"] = ip });
        }

        return result;
    }

    public static bool IsReady(JsonObject pod) =>
        (pod["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().Any(c => c["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True") == true;

    /// <summary>What <c>kubectl get pods</c> shows in STATUS (printers.go printPod): a waiting or terminated reason wins over the phase.</summary>
    public static string Reason(JsonObject pod)
    {
        if (pod["metadata"]?["deletionTimestamp"] is not null)
        {
            return "Terminating";
        }

        var reason = pod["status"]?["phase"]?.GetValue<string>() ?? "Pending";
        foreach (var c in (pod["status"]?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (c["state"]?["waiting"]?["reason"]?.GetValue<string>() is { Length: > 0 } waiting)
            {
                reason = waiting;
            }
            else if (c["state"]?["terminated"]?["reason"]?.GetValue<string>() is { Length: > 0 } terminated)
            {
                reason = terminated;
            }
        }

        return reason;
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);

    private static string ContainerId(string podUid, string container, int restarts) =>
        "containerd://" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{podUid}/{container}/{restarts}")));

    private static JsonObject Waiting(string reason, string? message)
    {
        var waiting = new JsonObject { ["reason"] = reason };
        if (message is not null)
        {
            waiting["message"] = message;
        }

        return new JsonObject { ["waiting"] = waiting };
    }

    private static JsonObject Condition(JsonObject? old, string type, bool isTrue, string now, string? reason, string? message)
    {
        var status = isTrue ? "True" : "False";
        var previous = (old?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);
        var condition = new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["lastProbeTime"] = null,
            ["lastTransitionTime"] = previous?["status"]?.GetValue<string>() == status ? previous["lastTransitionTime"]?.DeepClone() : now,
        };
        if (!isTrue && reason is not null)
        {
            condition["reason"] = reason;
            condition["message"] = message;
        }

        return condition;
    }

    /// <summary>"Pod Quality of Service Classes": no requests or limits anywhere → BestEffort; every container's limits equal its requests (cpu and memory) → Guaranteed; else Burstable.</summary>
    private static string QosClass(JsonObject? spec)
    {
        var containers = (spec?["containers"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (containers.TrueForAll(c => c["resources"]?["requests"] is not JsonObject { Count: > 0 } && c["resources"]?["limits"] is not JsonObject { Count: > 0 }))
        {
            return "BestEffort";
        }

        var guaranteed = containers.TrueForAll(c => new[] { "cpu", "memory" }.All(r =>
            c["resources"]?["limits"]?[r] is JsonValue limit && (c["resources"]?["requests"]?[r] is not JsonValue request || request.ToJsonString() == limit.ToJsonString())));
        return guaranteed ? "Guaranteed" : "Burstable";
    }
}
