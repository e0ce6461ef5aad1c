using Npgsql;
using Shop.Data;

namespace Shop.Api;

/// <summary>
/// Expires what shoppers leave behind, in bounded batches along the expiry indexes (migration 004): carts not
/// written for 30 days (the cookie's lifetime) and empty ones after 7 days, idempotency keys after 24 hours
/// (a retry comes within minutes). Each replica runs it; concurrent deletes of the same rows are harmless.
/// </summary>
public sealed partial class CartCleanup(NpgsqlDataSource dataSource, TimeProvider time, ILogger<CartCleanup> logger) : BackgroundService
{
    public static readonly TimeSpan AbandonedCartAge = TimeSpan.FromDays(30);
    public static readonly TimeSpan EmptyCartAge = TimeSpan.FromDays(7);
    public static readonly TimeSpan IdempotencyKeyAge = TimeSpan.FromHours(24);
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);
    private const int BatchSize = 1000;
    private const int MaxBatchesPerRun = 20;

    /// <summary>One pass; returns how many carts and keys it deleted (at most the bounded batches).</summary>
    public async Task<(int Carts, int Keys)> RunOnceAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var carts = await DeleteInBatchesAsync(CartQueries.ExpireCartsBatch, [now - AbandonedCartAge, now - EmptyCartAge], ct);
        var keys = await DeleteInBatchesAsync(OrderQueries.ExpireKeysBatch, [now - IdempotencyKeyAge], ct);
        return (carts, keys);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, time, stoppingToken);
                var (carts, keys) = await RunOnceAsync(stoppingToken);
                if (carts + keys > 0)
                {
                    LogExpired(logger, carts, keys);
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                LogFailed(logger, e.Message);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Runs <paramref name="sql"/> (its parameters: <paramref name="before"/>, then the batch size) until a batch deletes fewer rows than the batch size.</summary>
    private async Task<int> DeleteInBatchesAsync(string sql, DateTime[] before, CancellationToken ct)
    {
        var total = 0;
        for (var batch = 0; batch < MaxBatchesPerRun; batch++)
        {
            await using var cmd = dataSource.CreateCommand(sql);
            foreach (var cutoff in before)
            {
                cmd.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = cutoff });
            }

            cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = BatchSize });
            var deleted = await cmd.ExecuteNonQueryAsync(ct);
            total += deleted;
            if (deleted < BatchSize)
            {
                break;
            }
        }

        return total;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "expired {Carts} cart(s) and {Keys} idempotency key(s)")]
    private static partial void LogExpired(ILogger logger, int carts, int keys);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cart cleanup failed ({Error}); next try in the next interval")]
    private static partial void LogFailed(ILogger logger, string error);
}
