using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Shop.Data;

namespace Shop.Hosting;

/// <summary>The <c>migrate</c> role: apply pending migrations under the advisory lock and exit.</summary>
public static class MigrateCommand
{
    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        _ = args;
        var connection = Environment.GetEnvironmentVariable("SHOP_DB_CONNECTION");
        if (string.IsNullOrWhiteSpace(connection))
        {
            await Console.Error.WriteLineAsync("shop migrate: SHOP_DB_CONNECTION is required");
            return 2;
        }

        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connection);
            var applied = await new Migrator(dataSource, NullLogger<Migrator>.Instance).MigrateAsync(ct);
            await Console.Out.WriteLineAsync($"shop migrate: {applied.Count} migration(s) applied: {string.Join(", ", applied)}; schema at {Migrator.LatestVersion}");
            return 0;
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException or InvalidOperationException)
        {
            // The message only: a connection string (password) is never echoed.
            await Console.Error.WriteLineAsync($"shop migrate: failed: {e.GetType().Name}: {e.Message}");
            return 1;
        }
    }
}
