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
/// Checkout in one transaction: lock the cart (one checkout per cart at a time), look up the idempotency key,
/// then per line, in product-id order (no deadlocks between carts), the guarded update
/// <see cref="OrderQueries.TakeStock"/>: the row lock plus the re-checked condition make overselling impossible,
/// and the price comes from the database. The SQL is in <see cref="OrderQueries"/>.
/// </summary>
public sealed class OrderStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    public async Task<PlaceOrderResult> PlaceAsync(Guid cartId, string key, byte[] requestHash, OrderRequest request, string cardLast4, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var lockCart = new NpgsqlCommand(OrderQueries.LockCart, conn, tx))
        {
            lockCart.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = cartId });
            if (await lockCart.ExecuteScalarAsync(ct) is null)
            {
                return new PlaceOrderResult.EmptyCart();
            }
        }

        await using (var existing = new NpgsqlCommand(OrderQueries.StoredResponse, conn, tx))
        {
            existing.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = cartId });
            existing.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
            await using var reader = await existing.ExecuteReaderAsync(ct);
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
        }

        var items = new List<(long ProductId, int Quantity)>();
        await using (var cart = new NpgsqlCommand(OrderQueries.CartItems, conn, tx))
        {
            cart.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = cartId });
            await using var reader = await cart.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                items.Add((reader.GetInt64(0), reader.GetInt32(1)));
            }
        }

        if (items.Count == 0)
        {
            return new PlaceOrderResult.EmptyCart();
        }

        // Drawn before the first stock row is locked: a hot product's row lock then spans only the guarded
        // updates, one batch and the commit. A failed checkout leaves a gap in the numbers, as sequences do.
        string orderNumber;
        await using (var number = new NpgsqlCommand(OrderQueries.NextNumber, conn, tx))
        {
            orderNumber = (string)(await number.ExecuteScalarAsync(ct))!;
        }

        var lines = new List<OrderLineDto>(items.Count);
        var currency = CartStore.DefaultCurrency;
        foreach (var (productId, quantity) in items)
        {
            await using var take = new NpgsqlCommand(OrderQueries.TakeStock, conn, tx);
            take.Parameters.Add(new NpgsqlParameter<long> { TypedValue = productId });
            take.Parameters.Add(new NpgsqlParameter<int> { TypedValue = quantity });
            await using var reader = await take.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                await reader.DisposeAsync();
                await tx.RollbackAsync(ct);
                return await OutOfStockAsync(conn, productId, ct);
            }

            var price = reader.GetInt64(1);
            currency = reader.GetString(2);
            lines.Add(new OrderLineDto(productId, reader.GetString(0), quantity, price, price * quantity));
        }

        var order = new OrderDto(
            CartSession.NewId(),
            orderNumber,
            lines,
            lines.Sum(l => l.LineTotalMinor),
            currency,
            request.Email,
            request.Name,
            cardLast4,
            time.GetUtcNow());
        var json = JsonSerializer.Serialize(order, Json.Options);
        await using var batch = new NpgsqlBatch(conn, tx);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(OrderQueries.InsertOrder)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid> { TypedValue = order.Id },
                new NpgsqlParameter<string> { TypedValue = order.Number },
                new NpgsqlParameter<Guid> { TypedValue = cartId },
                new NpgsqlParameter<string> { TypedValue = request.Email },
                new NpgsqlParameter<string> { TypedValue = request.Name },
                new NpgsqlParameter<string> { TypedValue = request.Street },
                new NpgsqlParameter<string> { TypedValue = request.City },
                new NpgsqlParameter<string> { TypedValue = request.PostalCode },
                new NpgsqlParameter<string> { TypedValue = request.Country },
                new NpgsqlParameter<string> { TypedValue = cardLast4 },
                new NpgsqlParameter<long> { TypedValue = order.TotalMinor },
                new NpgsqlParameter<string> { TypedValue = currency },
                new NpgsqlParameter<DateTime> { TypedValue = order.CreatedAt.UtcDateTime },
            },
        });
        foreach (var line in lines)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(OrderQueries.InsertLine)
            {
                Parameters =
                {
                    new NpgsqlParameter<Guid> { TypedValue = order.Id },
                    new NpgsqlParameter<long> { TypedValue = line.ProductId },
                    new NpgsqlParameter<string> { TypedValue = line.Name },
                    new NpgsqlParameter<long> { TypedValue = line.UnitPriceMinor },
                    new NpgsqlParameter<int> { TypedValue = line.Quantity },
                    new NpgsqlParameter<long> { TypedValue = line.LineTotalMinor },
                },
            });
        }

        batch.BatchCommands.Add(new NpgsqlBatchCommand(OrderQueries.EmptyCart)
        {
            Parameters = { new NpgsqlParameter<Guid> { TypedValue = cartId } },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(OrderQueries.StoreResponse)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid> { TypedValue = cartId },
                new NpgsqlParameter<string> { TypedValue = key },
                new NpgsqlParameter<byte[]> { TypedValue = requestHash },
                new NpgsqlParameter<string> { TypedValue = json },
            },
        });
        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
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

    private static async Task<PlaceOrderResult> OutOfStockAsync(NpgsqlConnection conn, long productId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(OrderQueries.Stock, conn);
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = productId });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new PlaceOrderResult.OutOfStock(productId, reader.GetString(0), reader.GetInt32(1))
            : new PlaceOrderResult.OutOfStock(productId, $"product {productId}", 0);
    }
}
