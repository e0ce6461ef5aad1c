namespace ShopOperator.Database;

/// <summary>What the reconciler calls; <see cref="DatabaseProvisioner"/> is the real one, tests may fake it.</summary>
public interface IDatabaseProvisioner
{
    /// <summary>
    /// Makes role <see cref="DatabaseNames.Role"/> (LOGIN, no other attributes) with <paramref name="password"/>
    /// and database <see cref="DatabaseNames.Database"/> owned by it, closed to PUBLIC. Idempotent: a second call
    /// with the same arguments issues no DDL. Never throws for the failures in <see cref="ProvisionReasons"/>;
    /// throws <see cref="OperationCanceledException"/> when <paramref name="ct"/> is cancelled.
    /// </summary>
    Task<ProvisionResult> EnsureAsync(AdminEndpoint admin, DatabaseNames names, string password, CancellationToken ct);

    /// <summary>
    /// Drops the database (terminating its sessions) and the role. Idempotent: <see cref="ProvisionReasons.Dropped"/>
    /// when neither exists. Same failure reasons as <see cref="EnsureAsync"/>.
    /// </summary>
    Task<ProvisionResult> DropAsync(AdminEndpoint admin, DatabaseNames names, CancellationToken ct);
}
