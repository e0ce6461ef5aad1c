using System.Globalization;
using System.Text.Json.Nodes;
using ShopOperator.Kube;

namespace ShopOperator.Reconcile;

/// <summary>
/// core/v1 Events on a ShopInstance for meaningful transitions only (so a no-op reconcile writes nothing).
/// Messages never carry secret values.
/// </summary>
public sealed class EventRecorder
{
    private readonly KubeApi _api;
    private readonly TimeProvider _time;
    private readonly ILogger<EventRecorder> _logger;
    private readonly string _instance;

    public EventRecorder(KubeApi api, TimeProvider time, ILogger<EventRecorder> logger, OperatorOptions options)
    {
        _api = api;
        _time = time;
        _logger = logger;
        _instance = options.LeaderElection.Identity;
    }

    public async Task NormalAsync(JsonObject shop, string reason, string message, CancellationToken ct) =>
        await RecordAsync(shop, "Normal", reason, message, ct);

    public async Task WarningAsync(JsonObject shop, string reason, string message, CancellationToken ct) =>
        await RecordAsync(shop, "Warning", reason, message, ct);

    private async Task RecordAsync(JsonObject shop, string type, string reason, string message, CancellationToken ct)
    {
        var meta = shop["metadata"]!;
        var ns = meta["namespace"]!.GetValue<string>();
        var name = meta["name"]!.GetValue<string>();
        var now = _time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var evt = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Event",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{name}.{Convert.ToHexStringLower(BitConverter.GetBytes(_time.GetUtcNow().UtcTicks))}{Random.Shared.Next(0x1000):x3}",
                ["namespace"] = ns,
            },
            ["involvedObject"] = new JsonObject
            {
                ["apiVersion"] = ResourceKind.ShopInstance.ApiVersion,
                ["kind"] = ResourceKind.ShopInstance.Kind,
                ["name"] = name,
                ["namespace"] = ns,
                ["uid"] = meta["uid"]?.GetValue<string>(),
                ["resourceVersion"] = meta["resourceVersion"]?.GetValue<string>(),
            },
            ["reason"] = reason,
            ["message"] = message.Length > 1000 ? message[..1000] : message,
            ["type"] = type,
            ["source"] = new JsonObject { ["component"] = "shop-operator" },
            ["reportingComponent"] = "shop-operator",
            ["reportingInstance"] = _instance,
            ["firstTimestamp"] = now,
            ["lastTimestamp"] = now,
            ["count"] = 1,
        };
        try
        {
            await _api.CreateAsync(ResourceKind.Event, ns, evt, ct);
        }
        catch (Exception e) when (e is KubeApiException or HttpRequestException)
        {
            // An Event is a courtesy; failing the reconcile for it would retry real work for nothing.
            _logger.LogDebug("Could not record event {Reason}: {Error}", reason, e.Message);
        }
    }
}
