using System.Text.Json.Nodes;
using ShopOperator.Kube;

namespace ShopOperator.Reconcile;

/// <summary>What the reconciler knows besides the ShopInstance: live Deployments and the database outcome.</summary>
public sealed record PlanInputs(
    JsonObject Shop,
    JsonObject? LiveApiDeployment,
    JsonObject? LiveWebDeployment,
    DatabaseOutcome? Database,
    DateTimeOffset Now);

/// <summary>
/// Result of provisioning the shop's database on this pass. Password and connection string are only for
/// writing the shop's database Secret; they never reach a log, the status or an event.
/// </summary>
public sealed record DatabaseOutcome(bool Ready, string Reason, string Message, string? Password = null, string? ConnectionString = null)
{
    public override string ToString() => $"DatabaseOutcome {{ Ready = {Ready}, Reason = {Reason}, Message = {Message} }}";
}

/// <summary>What spec.database.provision asks for, in the operator's terms.</summary>
public sealed record DatabaseRequest(string Namespace, string ShopName, string AdminSecretName, string SecretName, bool DeleteOnRemoval);

/// <summary>An Event to record: only for transitions.</summary>
public sealed record PlannedEvent(string Type, string Reason, string Message);

/// <summary>
/// Everything one reconcile should make true: the children, the status, the events.
/// <see cref="Invalid"/> means the spec is invalid: nothing is created, only the status is written.
/// </summary>
public sealed record ShopPlan(
    bool Invalid,
    bool Suspended,
    IReadOnlyList<(ResourceKind Kind, JsonObject Object)> Children,
    JsonObject Status,
    IReadOnlyList<PlannedEvent> Events,
    bool InProgress);

/// <summary>The model project's pure functions, as the reconciler uses them.</summary>
public interface IShopModel
{
    /// <summary>Null unless spec.database.provision is set and the spec is valid.</summary>
    DatabaseRequest? DatabaseRequest(JsonObject shop);

    bool IsSuspendedOrInvalid(JsonObject shop);

    ShopPlan Plan(PlanInputs inputs);
}

/// <summary>Creates or drops the shop's PostgreSQL role and database.</summary>
public interface IDatabaseProvisioner
{
    Task<DatabaseOutcome> EnsureAsync(DatabaseRequest request, IReadOnlyDictionary<string, string> admin, string password, CancellationToken ct);

    Task DropAsync(DatabaseRequest request, IReadOnlyDictionary<string, string> admin, CancellationToken ct);
}
