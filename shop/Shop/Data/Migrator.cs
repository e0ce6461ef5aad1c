using System.Reflection;
using Npgsql;

namespace Shop.Data;

/// <summary>
/// Applies the embedded <c>Data/Migrations/NNN_name.sql</c> scripts in order, each in its own transaction,
/// recording them in <c>schema_migrations</c>. A session-level advisory lock serialises every migrator
/// (many api replicas starting at once plus the migrate job), so a script runs exactly once.
/// </summary>
public sealed class Migrator(NpgsqlDataSource dataSource, ILogger<Migrator> logger)
{
    // Arbitrary but fixed: "shop" + schema, shared by every role and version of the shop.
    private const long LockKey = 0x73686f70_0001;
    private const string Prefix = "Shop.Migrations.";

    private static readonly IReadOnlyList<(string Version, string Resource)> Scripts = typeof(Migrator).Assembly
        .GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
        .Select(n => (Version: n[Prefix.Length..^".sql".Length], Resource: n))
        .OrderBy(s => s.Version, StringComparer.Ordinal)
        .ToList();

    public static string LatestVersion => Scripts[^1].Version;

    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await ExecuteAsync(conn, null, "SELECT pg_advisory_lock(@key)", ct, new NpgsqlParameter("key", LockKey));
        try
        {
            await ExecuteAsync(conn, null, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version text PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, ct);
            var done = new HashSet<string>(StringComparer.Ordinal);
            await using (var cmd = new NpgsqlCommand("SELECT version FROM schema_migrations", conn))
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    done.Add(reader.GetString(0));
                }
            }

            var applied = new List<string>();
            foreach (var (version, resource) in Scripts.Where(s => !done.Contains(s.Version)))
            {
                var sql = await ReadScriptAsync(resource, ct);
                await using var tx = await conn.BeginTransactionAsync(ct);
                await ExecuteAsync(conn, tx, sql, ct);
                await ExecuteAsync(conn, tx, "INSERT INTO schema_migrations (version) VALUES (@v)", ct, new NpgsqlParameter("v", version));
                await tx.CommitAsync(ct);
                applied.Add(version);
                logger.LogInformation("applied migration {Version}", version);
            }

            return applied;
        }
        finally
        {
            // Always released, even when a script fails, so the next replica can try.
            await ExecuteAsync(conn, null, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, new NpgsqlParameter("key", LockKey));
        }
    }

    /// <summary>True when every embedded migration is recorded (readiness).</summary>
    public static async Task<bool> IsCurrentAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(conn);
        await using var cmd = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = @v)", conn);
        cmd.Parameters.AddWithValue("v", LatestVersion);
        return await cmd.ExecuteScalarAsync(ct) is true;
    }

    private static async Task<string> ReadScriptAsync(string resource, CancellationToken ct)
    {
        await using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"missing embedded migration {resource}");
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(ct);
    }

    private static async Task ExecuteAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string sql, CancellationToken ct, params NpgsqlParameter[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        cmd.Parameters.AddRange(parameters);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
