namespace ShopOperator.Reconcile;

/// <summary>Bridges to ShopOperator.Database's Npgsql provisioner.</summary>
public sealed class DatabaseProvisioner : IDatabaseProvisioner
{
    public Task<DatabaseOutcome> EnsureAsync(DatabaseRequest request, IReadOnlyDictionary<string, string> admin, string password, CancellationToken ct) =>
        Task.FromResult(new DatabaseOutcome(false, "ProvisionerUnavailable", "database provisioning is not available in this build"));

    public Task DropAsync(DatabaseRequest request, IReadOnlyDictionary<string, string> admin, CancellationToken ct) => Task.CompletedTask;
}
