using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Npgsql;

namespace ShopOperator.Database;

/// <summary>
/// Admin access to a PostgreSQL server, read from the Secret named by <c>spec.database.provision.adminSecretRef</c>:
/// keys <c>host</c>, <c>port</c> (default 5432), <c>username</c>, <c>password</c>, optional <c>sslmode</c>
/// (default <c>Prefer</c>; libpq spellings such as <c>verify-full</c> are accepted) and optional <c>database</c>
/// (the maintenance database the admin connects to, default <c>postgres</c>).
/// </summary>
public sealed record AdminEndpoint(string Host, int Port, string Username, string Password, SslMode SslMode, string Database)
{
    public const int DefaultPort = 5432;
    public const string DefaultDatabase = "postgres";

    /// <summary>Parses decoded Secret data (key → UTF-8 string). On failure, <paramref name="failure"/> has reason <see cref="ProvisionReasons.InvalidAdminSecret"/> and names the key.</summary>
    public static bool TryParse(
        IReadOnlyDictionary<string, string>? data,
        [NotNullWhen(true)] out AdminEndpoint? endpoint,
        [NotNullWhen(false)] out ProvisionResult? failure)
    {
        endpoint = null;
        data ??= new Dictionary<string, string>();
        string? Value(string key) => data.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

        var missing = new[] { "host", "username", "password" }.Where(k => Value(k) is null).ToList();
        if (missing.Count > 0)
        {
            failure = Invalid($"the admin Secret lacks the key{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)}");
            return false;
        }

        var port = DefaultPort;
        if (Value("port") is { } portText
            && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            failure = Invalid($"the admin Secret's key port is not a port number (1-65535): '{portText}'");
            return false;
        }

        var sslMode = SslMode.Prefer;
        if (Value("sslmode") is { } sslText && !TryParseSslMode(sslText, out sslMode))
        {
            failure = Invalid($"the admin Secret's key sslmode is not one of disable, allow, prefer, require, verify-ca, verify-full: '{sslText}'");
            return false;
        }

        var host = Value("host")!;
        if (host.Any(char.IsWhiteSpace) || host.Any(char.IsControl))
        {
            failure = Invalid("the admin Secret's key host contains whitespace");
            return false;
        }

        // The password is taken as is (not trimmed): it is whatever the server was given.
        endpoint = new AdminEndpoint(host, port, Value("username")!, data["password"], sslMode, Value("database") ?? DefaultDatabase);
        failure = null;
        return true;
    }

    /// <summary>Parses raw Secret data as KubernetesClient's <c>V1Secret.Data</c> holds it (already base64-decoded bytes).</summary>
    public static bool TryParse(
        IDictionary<string, byte[]>? data,
        [NotNullWhen(true)] out AdminEndpoint? endpoint,
        [NotNullWhen(false)] out ProvisionResult? failure)
    {
        var strings = (data ?? new Dictionary<string, byte[]>())
            .ToDictionary(kv => kv.Key, kv => Encoding.UTF8.GetString(kv.Value ?? []), StringComparer.Ordinal);
        return TryParse(strings, out endpoint, out failure);
    }

    /// <summary>Never shows the password (records print every property by default).</summary>
    public override string ToString() => $"{Username}@{Host}:{Port}/{Database} (sslmode {SslMode})";

    internal string ConnectionString(TimeSpan connectTimeout, TimeSpan commandTimeout) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Username = Username,
            Password = Password,
            Database = Database,
            SslMode = SslMode,
            // Unpooled: a changed admin password (or a server that went away) is noticed on the next call,
            // and provisioning is rare enough that a fresh connection costs nothing worth saving.
            Pooling = false,
            Timeout = Seconds(connectTimeout),
            CommandTimeout = Seconds(commandTimeout),
            ApplicationName = "shop-operator",
        }.ConnectionString;

    internal static int Seconds(TimeSpan span) => Math.Max(1, (int)Math.Ceiling(span.TotalSeconds));

    private static ProvisionResult Invalid(string message) => new(false, ProvisionReasons.InvalidAdminSecret, message);

    private static bool TryParseSslMode(string text, out SslMode mode)
    {
        var normalized = text.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        mode = SslMode.Prefer;
        // Letters only: Enum.TryParse would also take "3".
        return normalized.Length > 0
            && normalized.All(char.IsAsciiLetter)
            && Enum.TryParse(normalized, ignoreCase: true, out mode);
    }
}
