using System.Text.Json.Serialization;

namespace ShopOperator.Diagnose;

/// <summary>How one step of the troubleshooting flow came out.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StepStatus>))]
public enum StepStatus
{
    Pass,
    Warn,
    Fail,
    Skip,
}

/// <summary>
/// One step of the seed's troubleshooting flow (section 9), in flow order. The names are part of the
/// <c>-o json</c> contract (docs/operations.md): never rename one.
/// </summary>
public static class StepNames
{
    public const string Dns = "DNS";
    public const string LoadBalancer = "LoadBalancer";
    public const string IngressRoutes = "IngressRoutes";
    public const string ServiceEndpoints = "ServiceEndpoints";
    public const string PodsReady = "PodsReady";
    public const string AppLogs = "AppLogs";
    public const string Resources = "Resources";
    public const string Dependencies = "Dependencies";
    public const string RecentChanges = "RecentChanges";

    public static IReadOnlyList<string> InFlowOrder { get; } =
        [Dns, LoadBalancer, IngressRoutes, ServiceEndpoints, PodsReady, AppLogs, Resources, Dependencies, RecentChanges];
}

/// <summary>A step's outcome: a message with the evidence (object names, counts, reasons, fields), and what to do next.</summary>
public sealed record StepResult(
    string Name,
    StepStatus Status,
    string Message,
    IReadOnlyList<string> Evidence,
    string? Suggestion = null)
{
    public static StepResult Pass(string name, string message, params string[] evidence) => new(name, StepStatus.Pass, message, evidence);

    public static StepResult Skip(string name, string message) => new(name, StepStatus.Skip, message, []);
}

/// <summary>The whole walk: every step in flow order and the first that failed (the verdict).</summary>
public sealed record Diagnosis(string Shop, IReadOnlyList<StepResult> Steps)
{
    /// <summary>The first failing step in flow order: the outermost thing that is broken.</summary>
    public string? FailedStep => Steps.FirstOrDefault(s => s.Status == StepStatus.Fail)?.Name;

    /// <summary>0 when nothing fails, 1 when a step fails (2 is for usage errors, before any step runs).</summary>
    public int ExitCode => FailedStep is null ? 0 : 1;
}
