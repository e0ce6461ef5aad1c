namespace ShopOperator.Database;

/// <summary>
/// The outcome of <see cref="IDatabaseProvisioner.EnsureAsync"/> or <see cref="IDatabaseProvisioner.DropAsync"/>,
/// shaped for the <c>DatabaseReady</c> condition: <see cref="Reason"/> is one of <see cref="ProvisionReasons"/>.
/// <see cref="Message"/> never contains a password. <see cref="Changes"/> names the statements that changed
/// something (empty on a no-op pass), for Events and for tests.
/// </summary>
public sealed record ProvisionResult(bool Ready, string Reason, string Message)
{
    public IReadOnlyList<string> Changes { get; init; } = [];
}

/// <summary>Condition reasons (CamelCase, as Kubernetes conditions want them).</summary>
public static class ProvisionReasons
{
    /// <summary>Role and database exist, are owned and locked down as described in the README, the password works.</summary>
    public const string Provisioned = "Provisioned";

    /// <summary>Database and role are gone (or never existed).</summary>
    public const string Dropped = "Dropped";

    /// <summary>No connection within the connect timeout, refused, reset, TLS failure, server starting or shutting down. Retry with backoff.</summary>
    public const string ServerUnreachable = "ServerUnreachable";

    /// <summary>The admin credentials were rejected (SQLSTATE 28P01 or 28000). Retrying will not help until the admin Secret changes.</summary>
    public const string AuthenticationFailed = "AuthenticationFailed";

    /// <summary>The admin user lacks a privilege (SQLSTATE 42501), e.g. CREATEDB or CREATEROLE.</summary>
    public const string PermissionDenied = "PermissionDenied";

    /// <summary>The admin Secret lacks a key, has a bad value, or names a maintenance database that does not exist.</summary>
    public const string InvalidAdminSecret = "InvalidAdminSecret";

    /// <summary>Another Ensure/Drop for the same names held the lock too long (SQLSTATE 55P03). Retry.</summary>
    public const string Busy = "Busy";

    /// <summary>DROP ROLE refused because the role still owns objects or privileges in another database (SQLSTATE 2BP01).</summary>
    public const string DependentObjects = "DependentObjects";

    /// <summary>Any other PostgreSQL error; the message carries its SQLSTATE and text.</summary>
    public const string ProvisioningFailed = "ProvisioningFailed";
}
