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
        string? connection;
        try
        {
            // The same shapes as the api role: an Npgsql string, a postgresql:// URI or the SHOP_DB_* fields.
            connection = DatabaseConnection.From(new ConfigurationBuilder().AddEnvironmentVariables().Build());
        }
        catch (ShopConfigurationException e)
        {
            await Console.Error.WriteLineAsync($"shop migrate: configuration error: {e.Message}");
            return 2;
        }

        if (connection is null)
        {
            await Console.Error.WriteLineAsync("shop migrate: SHOP_DB_CONNECTION (or the SHOP_DB_HOST/NAME/USER/PASSWORD fields) is required");
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
