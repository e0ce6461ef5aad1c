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
        var lines = new List<CartLineDto>();
        var currency = DefaultCurrency;
        if (cartId is { } id)
        {
            await using var cmd = dataSource.CreateCommand(CartQueries.Lines);
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var price = reader.GetInt64(3);
                var quantity = reader.GetInt32(4);
                lines.Add(new CartLineDto(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), price, quantity, price * quantity, reader.GetInt32(5)));
                currency = reader.GetString(6);
            }
        }

        return new CartDto(lines, lines.Sum(l => l.Quantity), lines.Sum(l => l.LineTotalMinor), currency);
    }

    /// <summary>
    /// Adds to a line (or sets it when <paramref name="replace"/>); 0 with replace removes it. With
    /// <paramref name="create"/> the cart row is inserted in the same transaction, so it exists only when the
    /// change succeeds: an unknown product, a limit or a stock-out leaves no cart behind.
    /// </summary>
    public async Task<(CartChange Change, int Available)> ChangeAsync(Guid cartId, long productId, int quantity, bool replace, bool create, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);

        int stock;
        string currency;
        await using (var product = new NpgsqlCommand(CartQueries.ProductStock, conn, tx))
        {
            product.Parameters.Add(new NpgsqlParameter<long> { TypedValue = productId });
            await using var reader = await product.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return (CartChange.UnknownProduct, 0);
            }

            stock = reader.GetInt32(0);
            currency = reader.GetString(1);
        }

        var now = time.GetUtcNow().UtcDateTime;
        if (create)
        {
            await using var insert = new NpgsqlCommand(CartQueries.Create, conn, tx);
            insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = cartId });
            insert.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now });
            await insert.ExecuteNonQueryAsync(ct);
        }

        // Serialises changes to one cart, so the line limit holds under concurrent requests; a write keeps
        // the cart from expiring (see CartCleanup).
        await using (var lockCart = new NpgsqlCommand(CartQueries.Touch, conn, tx))
        {
            lockCart.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = cartId });
            lockCart.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now });
            if (await lockCart.ExecuteNonQueryAsync(ct) == 0)
            {
                return (CartChange.NotInCart, stock);
            }
        }

        int? current = null;
        var lineCount = 0;
        string? otherCurrency = null;
        await using (var lines = new NpgsqlCommand(CartQueries.LineLimits, conn, tx))
        {
            lines.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = cartId });
            await using var reader = await lines.ExecuteReaderAsync(ct);
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
            return (CartChange.NotInCart, stock);
        }

        // One currency per cart: its total is a single amount.
        if (current is null && otherCurrency is not null)
        {
            return (CartChange.CurrencyMismatch, stock);
        }

        var target = replace ? quantity : (long)(current ?? 0) + quantity;
        if (target > ApiConventions.MaxLineQuantity)
        {
            return (CartChange.TooMany, stock);
        }

        if (current is null && lineCount >= ApiConventions.MaxCartLines)
        {
            return (CartChange.TooManyLines, stock);
        }

        if (target > stock)
        {
            return (CartChange.OutOfStock, stock);
        }

        var sql = target == 0 ? CartQueries.RemoveLine : CartQueries.UpsertLine;
        await using (var write = new NpgsqlCommand(sql, conn, tx))
        {
            write.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = cartId });
            write.Parameters.Add(new NpgsqlParameter<long> { TypedValue = productId });
            if (target != 0)
            {
                write.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (int)target });
                write.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = time.GetUtcNow().UtcDateTime });
            }

            await write.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return (CartChange.Ok, stock);
    }

    public async Task RemoveAsync(Guid cartId, long productId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(CartQueries.RemoveLine);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = cartId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = productId });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
