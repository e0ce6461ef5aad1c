using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Testing.Postgres;
using Xunit;

namespace Shop.Tests.Api;

/// <summary>
/// Issue #12, checkout throughput: the round trips to PostgreSQL of the checkout path, counted as Npgsql's
/// command and batch activities of one request (matched by the trace id the test sends in <c>traceparent</c>).
/// A shopper's first add to cart is one statement; placing an order is two batches, the second ending with the
/// COMMIT (no round trip of its own: Npgsql would trace none for <c>NpgsqlTransaction.CommitAsync</c>, so the test
/// reads the batch's text). The figures themselves are in bench/ (docs/benchmarks.md), never timed here.
/// </summary>
[Collection(PostgresFixture.Collection)]
public sealed class CheckoutRoundTripTests(PostgresFixture fixture, SharedApi shared) : IClassFixture<SharedApi>
{
    [Fact]
    public async Task A_first_add_is_one_statement_and_an_order_is_two_batches_the_second_committing()
    {
        var api = await shared.GetAsync(fixture);
        using var shopper = api.NewShopper();
        using var commands = new NpgsqlCommands();

        var add = await SendAsync(shopper, HttpMethod.Post, "api/cart/items", new { productId = 2, quantity = 1 }, commands);
        Assert.Equal(HttpStatusCode.OK, add.Status);
        Assert.True(add.Commands.Count == 1, "a first add: " + string.Join(" | ", add.Commands));

        var order = await SendAsync(shopper, HttpMethod.Post, "api/orders", ApiApp.ValidOrder(), commands, Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Created, order.Status);
        Assert.True(order.Commands.Count == 2, "an order: " + string.Join(" | ", order.Commands));
        var write = order.Texts[1].TrimEnd();
        Assert.True(write.EndsWith("COMMIT", StringComparison.Ordinal), "the order's write batch: " + write);
        Assert.Contains("take_stock", write, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_shortfall_in_take_stock_aborts_the_batch_so_its_COMMIT_keeps_nothing()
    {
        var api = await shared.GetAsync(fixture);
        await api.ExecuteAsync("UPDATE products SET stock = 1 WHERE id = 8");
        try
        {
            await using var conn = new NpgsqlConnection(api.ConnectionString);
            await conn.OpenAsync();
            await using var tx = await conn.BeginTransactionAsync();
            await using var batch = new NpgsqlBatch(conn, tx)
            {
                // As the checkout's write batch: the first take succeeds, the second is short, then the COMMIT.
                BatchCommands = { new("SELECT take_stock(8, 1)"), new("SELECT take_stock(8, 1)"), new("COMMIT") },
            };
            var error = await Assert.ThrowsAsync<PostgresException>(async () =>
            {
                await using var reader = await batch.ExecuteReaderAsync();
                while (await reader.NextResultAsync())
                {
                }
            });

            Assert.Equal("SH409", error.SqlState);
            Assert.Equal(1, await api.ScalarAsync<int>("SELECT stock FROM products WHERE id = 8"));
        }
        finally
        {
            await api.ExecuteAsync("UPDATE products SET stock = 1000 WHERE id = 8");
        }
    }

    [Fact]
    public async Task Crossed_multi_line_carts_check_out_concurrently_without_deadlock_or_oversell()
    {
        var api = await shared.GetAsync(fixture);
        const int Shoppers = 16;
        const int Stock = 10;
        var shoppers = Enumerable.Range(0, Shoppers).Select(_ => api.NewShopper()).ToList();
        try
        {
            await api.ExecuteAsync("UPDATE products SET stock = 100 WHERE id IN (6, 7)");
            for (var i = 0; i < Shoppers; i++)
            {
                // Half add 6 then 7, half 7 then 6: the locks must still be taken in one order.
                var (first, second) = i % 2 == 0 ? (6L, 7L) : (7L, 6L);
                await ApiApp.AddToCartAsync(shoppers[i], first, 1);
                await ApiApp.AddToCartAsync(shoppers[i], second, 1);
            }

            await api.ExecuteAsync("UPDATE products SET stock = $1 WHERE id IN (6, 7)", Stock);
            var sold = await api.ScalarAsync<long>("SELECT coalesce(sum(quantity), 0) FROM order_lines WHERE product_id IN (6, 7)");
            using var start = new SemaphoreSlim(0, Shoppers);
            var tasks = shoppers.Select(async s =>
            {
                await start.WaitAsync();
                using var response = await ApiApp.CheckoutAsync(s, Guid.NewGuid().ToString());
                return response.StatusCode;
            }).ToList();
            start.Release(Shoppers);
            var statuses = await Task.WhenAll(tasks);

            Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Created or HttpStatusCode.Conflict, $"unexpected {s}"));
            Assert.Equal(Stock, statuses.Count(s => s == HttpStatusCode.Created));
            Assert.Equal(0, await api.ScalarAsync<int>("SELECT sum(stock)::int FROM products WHERE id IN (6, 7)"));
            Assert.Equal(2 * Stock, await api.ScalarAsync<long>("SELECT coalesce(sum(quantity), 0) FROM order_lines WHERE product_id IN (6, 7)") - sold);
        }
        finally
        {
            shoppers.ForEach(s => s.Dispose());
        }
    }

    private static async Task<(HttpStatusCode Status, IReadOnlyList<string> Commands, IReadOnlyList<string> Texts)> SendAsync(
        HttpClient shopper, HttpMethod method, string path, object body, NpgsqlCommands commands, string? idempotencyKey = null)
    {
        var trace = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await shopper.SendAsync(request);
        return (response.StatusCode, commands.Of(trace), commands.TextsOf(trace));
    }

    /// <summary>
    /// Npgsql's command and batch activities of this process, by trace id (physical opens left out): their names when
    /// started, and their statement text (the <c>db.query.text</c> or <c>db.statement</c> tag) when stopped.
    /// </summary>
    private sealed class NpgsqlCommands : IDisposable
    {
        private readonly ConcurrentQueue<(ActivityTraceId Trace, string Name)> _started = new();
        private readonly ConcurrentQueue<(ActivityTraceId Trace, string Text)> _stopped = new();
        private readonly ActivityListener _listener;

        public NpgsqlCommands()
        {
            _listener = new ActivityListener
            {
                // The hosting source too, so each request has an activity (the parent of its commands).
                ShouldListenTo = source => source.Name is "Npgsql" or "Microsoft.AspNetCore",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStarted = activity =>
                {
                    if (activity.Source.Name == "Npgsql" && !activity.OperationName.Contains("open", StringComparison.OrdinalIgnoreCase))
                    {
                        _started.Enqueue((activity.TraceId, activity.DisplayName));
                    }
                },
                ActivityStopped = activity =>
                {
                    if (activity.Source.Name == "Npgsql" && !activity.OperationName.Contains("open", StringComparison.OrdinalIgnoreCase))
                    {
                        var text = activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement");
                        _stopped.Enqueue((activity.TraceId, text?.ToString() ?? ""));
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public IReadOnlyList<string> Of(ActivityTraceId trace) => [.. _started.Where(s => s.Trace == trace).Select(s => s.Name)];

        public IReadOnlyList<string> TextsOf(ActivityTraceId trace) => [.. _stopped.Where(s => s.Trace == trace).Select(s => s.Text)];

        public void Dispose() => _listener.Dispose();
    }
}
