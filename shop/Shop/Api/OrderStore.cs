using System.Text.Json;
using Npgsql;
using Shop.Contracts;

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
/// then per line, in product-id order (no deadlocks between carts), a guarded
/// <c>UPDATE products SET stock = stock - q WHERE id = … AND stock &gt;= q RETURNING price</c>: the row lock
/// plus the re-checked condition make overselling impossible, and the price comes from the database.
/// </summary>
public sealed class OrderStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    public async Task<PlaceOrderResult> PlaceAsync(Guid cartId, string key, byte[] requestHash, OrderRequest request, string cardLast4, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var lockCart = new NpgsqlCommand("SELECT 1 FROM carts WHERE id = $1 FOR UPDATE", conn, tx))
        {
            lockCart.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = cartId });
            if (await lockCart.ExecuteScalarAsync(ct) is null)
            {
                return new PlaceOrderResult.EmptyCart();
            }
        }

        await using (var existing = new NpgsqlCommand("SELECT request_hash, status, response FROM idempotency_keys WHERE cart_id = $1 AND key = $2", conn, tx))
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
        await using (var cart = new NpgsqlCommand("SELECT product_id, quantity FROM cart_items WHERE cart_id = $1 ORDER BY product_id", conn, tx))
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
        await using (var number = new NpgsqlCommand("SELECT 'SO-' || nextval('order_numbers')", conn, tx))
        {
            orderNumber = (string)(await number.ExecuteScalarAsync(ct))!;
        }

        var lines = new List<OrderLineDto>(items.Count);
        var currency = CartStore.DefaultCurrency;
        foreach (var (productId, quantity) in items)
        {
            await using var take = new NpgsqlCommand(
                "UPDATE products SET stock = stock - $2 WHERE id = $1 AND stock >= $2 RETURNING name, price_minor, currency", conn, tx);
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
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            INSERT INTO orders (id, number, cart_id, email, name, street, city, postal_code, country, card_last4, total_minor, currency, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            """)
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
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "INSERT INTO order_lines (order_id, product_id, name, unit_price_minor, quantity, line_total_minor) VALUES ($1, $2, $3, $4, $5, $6)")
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

        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM cart_items WHERE cart_id = $1")
        {
            Parameters = { new NpgsqlParameter<Guid> { TypedValue = cartId } },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("INSERT INTO idempotency_keys (cart_id, key, request_hash, status, response) VALUES ($1, $2, $3, 201, $4)")
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
        await using (var head = new NpgsqlCommand(
            "SELECT number, total_minor, currency, email, name, card_last4, created_at FROM orders WHERE id = $1 AND cart_id = $2", conn))
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
        await using (var body = new NpgsqlCommand(
            "SELECT product_id, name, quantity, unit_price_minor, line_total_minor FROM order_lines WHERE order_id = $1 ORDER BY product_id", conn))
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
        await using var cmd = new NpgsqlCommand("SELECT name, stock FROM products WHERE id = $1", conn);
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = productId });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new PlaceOrderResult.OutOfStock(productId, reader.GetString(0), reader.GetInt32(1))
            : new PlaceOrderResult.OutOfStock(productId, $"product {productId}", 0);
    }
}
