using Npgsql;
using Shop.Contracts;
using Shop.Data;

namespace Shop.Api;

public enum CartChange
{
    Ok,
    UnknownProduct,
    NotInCart,
    TooMany,
    TooManyLines,
    OutOfStock,
    CurrencyMismatch,
}

/// <summary>What a cart change did: the outcome, the product's stock, and the cart after it (when it succeeded).</summary>
public sealed record CartChangeResult(CartChange Change, int Available, CartDto? Cart);

/// <summary>Carts live in PostgreSQL so they survive restarts and are shared by every api replica (SQL in <see cref="CartQueries"/>).</summary>
public sealed class CartStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    public const string DefaultCurrency = "EUR";

    public async Task<bool> ExistsAsync(Guid cartId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(CartQueries.Exists);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = cartId });
        return await cmd.ExecuteScalarAsync(ct) is true;
    }

    public async Task<CartDto> GetAsync(Guid? cartId, CancellationToken ct)
    {
        if (cartId is not { } id)
        {
            return new CartDto([], 0, 0, DefaultCurrency);
        }

        await using var cmd = dataSource.CreateCommand(CartQueries.Lines);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await ReadCartAsync(reader, ct);
    }

    /// <summary>
    /// A shopper's first add: the new cart and its line in one statement (<see cref="CartQueries.AddToNewCart"/>),
    /// so the cart exists only when the add succeeds (an unknown product or a stock-out leaves none), and the
    /// answer's cart is built from that statement's row, without reading it back. The quantity is 1..99 (checked
    /// by the endpoint), so the line and currency limits cannot apply to an empty cart.
    /// </summary>
    public async Task<CartChangeResult> AddToNewCartAsync(Guid cartId, long productId, int quantity, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(CartQueries.AddToNewCart);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = cartId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = productId });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = quantity });
        cmd.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = time.GetUtcNow().UtcDateTime });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return new CartChangeResult(CartChange.UnknownProduct, 0, null);
        }

        var (price, stock) = (reader.GetInt64(2), reader.GetInt32(3));
        if (!reader.GetBoolean(5))
        {
            return new CartChangeResult(CartChange.OutOfStock, stock, null);
        }

        var line = new CartLineDto(productId, reader.GetString(0), reader.GetString(1), price, quantity, price * quantity, stock);
        return new CartChangeResult(CartChange.Ok, stock, new CartDto([line], quantity, line.LineTotalMinor, reader.GetString(4)));
    }

    /// <summary>
    /// Adds to a line of an existing cart (or sets it when <paramref name="replace"/>); 0 with replace removes it.
    /// One transaction of three round trips: a batch that reads the product, locks the cart and reads its lines;
    /// a batch that writes the line and reads the cart back; the commit.
    /// </summary>
    public async Task<CartChangeResult> ChangeAsync(Guid cartId, long productId, int quantity, bool replace, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var now = time.GetUtcNow().UtcDateTime;

        int stock;
        string currency;
        int? current = null;
        var lineCount = 0;
        string? otherCurrency = null;
        await using (var read = new NpgsqlBatch(conn, tx))
        {
            read.BatchCommands.Add(new NpgsqlBatchCommand(CartQueries.ProductStock) { Parameters = { new NpgsqlParameter<long> { TypedValue = productId } } });
            // Locks the cart: serialises changes to one cart, so the line limit holds under concurrent requests;
            // the write keeps the cart from expiring (see CartCleanup).
            read.BatchCommands.Add(new NpgsqlBatchCommand(CartQueries.Touch)
            {
                Parameters = { new NpgsqlParameter<Guid> { TypedValue = cartId }, new NpgsqlParameter<DateTime> { TypedValue = now } },
            });
            read.BatchCommands.Add(new NpgsqlBatchCommand(CartQueries.LineLimits) { Parameters = { new NpgsqlParameter<Guid> { TypedValue = cartId } } });
            await using var reader = await read.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return new CartChangeResult(CartChange.UnknownProduct, 0, null);
            }

            stock = reader.GetInt32(0);
            currency = reader.GetString(1);
            await reader.NextResultAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return new CartChangeResult(CartChange.NotInCart, stock, null);
            }

            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                lineCount++;
                otherCurrency ??= reader.GetString(2) is var c && c != currency ? c : null;
                if (reader.GetInt64(0) == productId)
                {
                    current = reader.GetInt32(1);
                }
            }
        }

        if (replace && current is null)
        {
            return new CartChangeResult(CartChange.NotInCart, stock, null);
        }

        // One currency per cart: its total is a single amount.
        if (current is null && otherCurrency is not null)
        {
            return new CartChangeResult(CartChange.CurrencyMismatch, stock, null);
        }

        var target = replace ? quantity : (long)(current ?? 0) + quantity;
        if (target > ApiConventions.MaxLineQuantity)
        {
            return new CartChangeResult(CartChange.TooMany, stock, null);
        }

        if (current is null && lineCount >= ApiConventions.MaxCartLines)
        {
            return new CartChangeResult(CartChange.TooManyLines, stock, null);
        }

        if (target > stock)
        {
            return new CartChangeResult(CartChange.OutOfStock, stock, null);
        }

        CartDto cart;
        await using (var write = new NpgsqlBatch(conn, tx))
        {
            var change = new NpgsqlBatchCommand(target == 0 ? CartQueries.RemoveLine : CartQueries.UpsertLine)
            {
                Parameters = { new NpgsqlParameter<Guid> { TypedValue = cartId }, new NpgsqlParameter<long> { TypedValue = productId } },
            };
            if (target != 0)
            {
                change.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (int)target });
                change.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now });
            }

            write.BatchCommands.Add(change);
            write.BatchCommands.Add(new NpgsqlBatchCommand(CartQueries.Lines) { Parameters = { new NpgsqlParameter<Guid> { TypedValue = cartId } } });
            await using var reader = await write.ExecuteReaderAsync(ct);
            // Past the write (it returns no rows) to the lines, whether or not the reader already skipped it.
            while (reader.FieldCount == 0 && await reader.NextResultAsync(ct))
            {
            }

            cart = await ReadCartAsync(reader, ct);
        }

        await tx.CommitAsync(ct);
        return new CartChangeResult(CartChange.Ok, stock, cart);
    }

    public async Task RemoveAsync(Guid cartId, long productId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(CartQueries.RemoveLine);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = cartId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = productId });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Reads <see cref="CartQueries.Lines"/> from the reader's current result (the first one whose rows are lines).</summary>
    private static async Task<CartDto> ReadCartAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        var lines = new List<CartLineDto>();
        var currency = DefaultCurrency;
        while (await reader.ReadAsync(ct))
        {
            var price = reader.GetInt64(3);
            var quantity = reader.GetInt32(4);
            lines.Add(new CartLineDto(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), price, quantity, price * quantity, reader.GetInt32(5)));
            currency = reader.GetString(6);
        }

        return new CartDto(lines, lines.Sum(l => l.Quantity), lines.Sum(l => l.LineTotalMinor), currency);
    }
}
