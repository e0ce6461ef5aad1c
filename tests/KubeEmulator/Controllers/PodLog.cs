using System.Globalization;
using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>
/// <c>GET pods/{name}/log</c> for a simulated container: a few plausible lines of its current (or, with
/// <c>previous=true</c>, its last terminated) run, with the API server's errors for a missing or ambiguous
/// container, a container still waiting, and no previous run.
/// </summary>
internal static class PodLog
{
    /// <returns>The log text, or the error Status and its code.</returns>
    public static (int Code, string? Text, JsonObject? Error) Read(JsonObject pod, string? container, bool previous, int? tailLines)
    {
        var name = pod["metadata"]?["name"]?.GetValue<string>() ?? "";
        var containers = (pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>().Select(c => c["name"]?.GetValue<string>() ?? "").ToList();
        if (string.IsNullOrEmpty(container))
        {
            if (containers.Count != 1)
            {
                return Bad($"a container name must be specified for pod {name}, choose one of: [{string.Join(" ", containers)}]");
            }

            container = containers[0];
        }

        if (!containers.Contains(container))
        {
            return Bad($"container {container} is not valid for pod {name}");
        }

        var status = (pod["status"]?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(c => c["name"]?.GetValue<string>() == container);
        var image = status?["image"]?.GetValue<string>() ?? "";
        string[] lines;
        if (previous)
        {
            if (status?["lastState"]?["terminated"] is not JsonObject terminated)
            {
                return Bad($"previous terminated container \"{container}\" in pod \"{name}\" not found");
            }

            var at = terminated["startedAt"]?.GetValue<string>() ?? "";
            lines = terminated["reason"]?.GetValue<string>() == "OOMKilled"
                ? [Line(at, $"starting {image}"), Line(at, "loading catalog into memory")]
                : [Line(at, $"starting {image}"), Line(at, "fatal: unhandled exception, exiting with code 1")];
        }
        else if (status?["state"]?["running"]?["startedAt"]?.GetValue<string>() is { } startedAt)
        {
            lines = [Line(startedAt, $"starting {image}"), Line(startedAt, "listening on http://0.0.0.0:8080"), Line(startedAt, "application started")];
        }
        else if (status?["lastState"]?["terminated"] is JsonObject last)
        {
            // In CrashLoopBackOff the current log is that of the run that just ended.
            var at = last["startedAt"]?.GetValue<string>() ?? "";
            lines = [Line(at, $"starting {image}"), Line(at, "fatal: unhandled exception, exiting with code 1")];
        }
        else
        {
            var reason = status?["state"]?["waiting"]?["reason"]?.GetValue<string>() ?? "ContainerCreating";
            return Bad($"container \"{container}\" in pod \"{name}\" is waiting to start: {(reason is "ImagePullBackOff" or "ErrImagePull" ? "trying and failing to pull image" : reason)}");
        }

        var shown = tailLines is { } tail && tail >= 0 ? lines.TakeLast(tail) : lines;
        return (200, string.Concat(shown.Select(l => l + "\n")), null);
    }

    private static string Line(string at, string text) =>
        DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? $"{t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} info: {text}"
            : $"info: {text}";

    private static (int, string?, JsonObject?) Bad(string message) => (400, null, ApiStore.Status(400, "BadRequest", message));
}
