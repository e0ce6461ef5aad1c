using ShopOperator.Database;
using Provisioner = ShopOperator.Database.DatabaseProvisioner;

namespace ShopOperator.Reconcile;

/// <summary>
/// The reconciler's view of <see cref="ShopOperator.Database"/>: reads the admin Secret's decoded data into an
/// <see cref="AdminEndpoint"/>, derives the shop's role and database names from namespace and name, and turns the
/// provisioner's result into a <see cref="DatabaseOutcome"/> (the connection string only on success, for the
/// shop's own Secret). All SQL, identifier quoting and password handling live in ShopOperator.Database.
/// </summary>
public sealed class DatabaseProvisioner(Provisioner? provisioner = null) : IDatabaseProvisioner
{
    private readonly Provisioner _provisioner = provisioner ?? new Provisioner();

    public async Task<DatabaseOutcome> EnsureAsync(DatabaseRequest request, IReadOnlyDictionary<string, string> admin, string password, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!AdminEndpoint.TryParse(admin, out var endpoint, out var invalid))
        {
            return new DatabaseOutcome(false, invalid.Reason, $"Secret {request.AdminSecretName}: {invalid.Message}");
        }

        var names = DatabaseNames.For(request.Namespace, request.ShopName);
        var result = await _provisioner.EnsureAsync(endpoint, names, password, ct);
        return result.Ready
            ? new DatabaseOutcome(true, result.Reason, result.Message, password, Provisioner.ConnectionStringFor(endpoint, names, password))
            : new DatabaseOutcome(false, result.Reason, result.Message);
    }

    public async Task DropAsync(DatabaseRequest request, IReadOnlyDictionary<string, string> admin, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!AdminEndpoint.TryParse(admin, out var endpoint, out var invalid))
        {
            throw new DatabaseCleanupException($"Secret {request.AdminSecretName}: {invalid.Message}");
        }

        var result = await _provisioner.DropAsync(endpoint, DatabaseNames.For(request.Namespace, request.ShopName), ct);
        if (!result.Ready)
        {
            // The finalizer stays until the drop succeeds (retried with backoff), or the skip annotation is set.
            throw new DatabaseCleanupException($"{result.Reason}: {result.Message}");
        }
    }
}

/// <summary>The shop's database and role could not be dropped yet; the deletion is retried with backoff.</summary>
public sealed class DatabaseCleanupException(string message) : Exception(message);
