using System.Text.Json;
using Npgsql;
using Shop.Contracts;
using Shop.Data;

namespace Shop.Api;

public abstract record PlaceOrderResult
{
    public sealed record Placed(OrderDto Order, string Json) : PlaceOrderResult;

    public sealed record Replay(int Status, string Json, Guid OrderId) : PlaceOrderResult;

    public sealed record KeyReused : PlaceOrderResult;

    public sealed record EmptyCart : PlaceOrderResult;

    public sealed record OutOfStock(long ProductId, string Name, int Available) : PlaceOrderResult;
}

/// <summary>
/// Checkout in one transaction of two round trips to PostgreSQL (SQL in <see cref="OrderQueries"/>):
/// <list type="number">
/// <item>one batch (Npgsql sends the BEGIN with it): lock the cart (one checkout per cart at a time), look up the
/// idempotency key, read the lines with their products' prices and stock, each product row locked in product-id
/// order (no deadlocks between carts), and draw the order number;</item>
/// <item>one batch: per line the guarded stock update <see cref="OrderQueries.TakeStock"/>, the order and its
/// lines with the prices read under the lock, the cart emptied, the response stored under the key, and the
/// COMMIT.</item>
/// </list>
/// The row locks make the stock read in the first batch the stock the second one updates, so a shortfall is
/// known before anything is written; the guarded update re-checks it anyway and raises when short, which aborts
/// the transaction before its COMMIT (and <c>CHECK (stock &gt;= 0)</c> is the backstop), so overselling stays
/// impossible and no order is kept without its stock.
/// </summary>
public sealed class OrderStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    public async Task<PlaceOrderResult> PlaceAsync(Guid cartId, string key, byte[] requestHash, OrderRequest request, string cardLast4, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);

        var lines = new List<(OrderLineDto Line, string Currency, int Stock)>();
        string? orderNumber = null;
        await using (var read = new NpgsqlBatch(conn, tx))
        {
            read.BatchCommands.Add(Command(OrderQueries.LockCart, cartId));
            read.BatchCommands.Add(Command(OrderQueries.StoredResponse, cartId, key));
            read.BatchCommands.Add(Command(OrderQueries.LockLines, cartId, key));
            read.BatchCommands.Add(Command(OrderQueries.NextNumber, cartId, key));
            await using var reader = await read.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return new PlaceOrderResult.EmptyCart();
            }

            await reader.NextResultAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                var hash = (byte[])reader[0];
                if (!hash.AsSpan().SequenceEqual(requestHash))
                {
                    return new PlaceOrderResult.KeyReused();
                }

                var stored = reader.GetString(2);
                var storedOrder = JsonSerializer.Deserialize<OrderDto>(stored, Json.Options)!;
                return new PlaceOrderResult.Replay(reader.GetInt32(1), stored, storedOrder.Id);
            }

            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var (productId, quantity, price) = (reader.GetInt64(0), reader.GetInt32(1), reader.GetInt64(3));
                lines.Add((new OrderLineDto(productId, reader.GetString(2), quantity, price, price * quantity), reader.GetString(4), reader.GetInt32(5)));
            }

            await reader.NextResultAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                orderNumber = reader.GetString(0);
            }
        }

        if (lines.Count == 0 || orderNumber is null)
        {
            return new PlaceOrderResult.EmptyCart();
        }

        // Read under the row locks: this stock is what the guarded updates will see.
        if (lines.FirstOrDefault(l => l.Stock < l.Line.Quantity) is { Line: not null } shortfall)
        {
            return new PlaceOrderResult.OutOfStock(shortfall.Line.ProductId, shortfall.Line.Name, shortfall.Stock);
        }

        var order = new OrderDto(
            CartSession.NewId(),
            orderNumber,
            [.. lines.Select(l => l.Line)],
            lines.Sum(l => l.Line.LineTotalMinor),
            lines[^1].Currency,
            request.Email,
            request.Name,
            cardLast4,
            time.GetUtcNow());
        var json = JsonSerializer.Serialize(order, Json.Options);
        await using var write = new NpgsqlBatch(conn, tx);
        foreach (var line in order.Lines)
        {
            write.BatchCommands.Add(Command(OrderQueries.TakeStock, line.ProductId, line.Quantity));
        }

        write.BatchCommands.Add(Command(
            OrderQueries.InsertOrder,
            order.Id,
            order.Number,
            cartId,
            request.Email,
            request.Name,
            request.Street,
            request.City,
            request.PostalCode,
            request.Country,
            cardLast4,
            order.TotalMinor,
            order.Currency,
            order.CreatedAt.UtcDateTime));
        foreach (var line in order.Lines)
        {
            write.BatchCommands.Add(Command(OrderQueries.InsertLine, order.Id, line.ProductId, line.Name, line.UnitPriceMinor, line.Quantity, line.LineTotalMinor));
        }

        write.BatchCommands.Add(Command(OrderQueries.EmptyCart, cartId));
        write.BatchCommands.Add(Command(OrderQueries.StoreResponse, cartId, key, requestHash, json));
        write.BatchCommands.Add(new NpgsqlBatchCommand(OrderQueries.Commit));
        var results = 0;
        try
        {
            // Read every result so an error in any statement surfaces here. The transaction ends with the batch:
            // committed, or aborted by an error (the COMMIT is then skipped, and disposing tx rolls back).
            await using var reader = await write.ExecuteReaderAsync(ct);
            for (results = 1; await reader.NextResultAsync(ct); results++)
            {
            }
        }
        catch (PostgresException e) when (e.SqlState == OrderQueries.StockShortfall)
        {
            // A shortfall the locked read did not see: it cannot happen while the locks hold; handled all the same.
            // The batch's first results are the lines' take_stock calls, in the order of the lines: the error
            // came with the result after the last one read.
            var (line, _, stock) = lines[Math.Min(results, lines.Count - 1)];
            return new PlaceOrderResult.OutOfStock(line.ProductId, line.Name, stock);
        }

        return new PlaceOrderResult.Placed(order, json);
    }

    public async Task<OrderDto?> GetAsync(Guid orderId, Guid cartId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        OrderDto order;
        await using (var head = new NpgsqlCommand(OrderQueries.OrderHead, conn))
        {
            head.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = orderId });
            head.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = cartId });
            await using var reader = await head.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }

            order = new OrderDto(
                orderId,
                reader.GetString(0),
                [],
                reader.GetInt64(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.GetString(5),
                new DateTimeOffset(reader.GetDateTime(6), TimeSpan.Zero));
        }

        var lines = new List<OrderLineDto>();
        await using (var body = new NpgsqlCommand(OrderQueries.OrderLines, conn))
        {
            body.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = orderId });
            await using var reader = await body.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                lines.Add(new OrderLineDto(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3), reader.GetInt64(4)));
            }
        }

        return order with { Lines = lines };
    }

    /// <summary>A batch command with positional parameters, typed by their CLR types.</summary>
    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value switch
            {
                Guid g => new NpgsqlParameter<Guid> { TypedValue = g },
                string t => new NpgsqlParameter<string> { TypedValue = t },
                long l => new NpgsqlParameter<long> { TypedValue = l },
                int n => new NpgsqlParameter<int> { TypedValue = n },
                DateTime d => new NpgsqlParameter<DateTime> { TypedValue = d },
                byte[] b => new NpgsqlParameter<byte[]> { TypedValue = b },
                _ => throw new ArgumentException($"no parameter type for {value.GetType()}", nameof(values)),
            });
        }

        return command;
    }
}
