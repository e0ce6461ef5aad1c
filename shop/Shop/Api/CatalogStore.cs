using Npgsql;
using Shop.Contracts;

namespace Shop.Api;

public enum ProductSort
{
    Name,
    Price,
    PriceDesc,
}

/// <summary>Catalog reads. Every query is parameterised; paging is bounded offset over a unique order (…, id).</summary>
public sealed class CatalogStore(NpgsqlDataSource dataSource)
{
    internal const string ProductColumns = "p.id, p.name, p.description, p.price_minor, p.currency, p.image_url, p.stock, c.slug, c.name";

    public async Task<IReadOnlyList<CategoryDto>> CategoriesAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("""
            SELECT c.slug, c.name, (SELECT count(*) FROM products p WHERE p.category_id = c.id)::int
            FROM categories c ORDER BY c.position, c.slug
            """);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var list = new List<CategoryDto>();
        while (await reader.ReadAsync(ct))
        {
            list.Add(new CategoryDto(reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
        }

        return list;
    }

    public async Task<bool> CategoryExistsAsync(string slug, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM categories WHERE slug = $1)");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = slug });
        return await cmd.ExecuteScalarAsync(ct) is true;
    }

    public async Task<PagedResult<ProductDto>> ProductsAsync(string? query, string? category, ProductSort sort, int page, int pageSize, CancellationToken ct)
    {
        // The ORDER BY is chosen from a fixed set, never from client text.
        var order = sort switch
        {
            ProductSort.Price => "p.price_minor, p.id",
            ProductSort.PriceDesc => "p.price_minor DESC, p.id",
            _ => "p.name, p.id",
        };
        var pattern = query is null ? null : "%" + EscapeLike(query) + "%";
        const string Filter = """
            FROM products p JOIN categories c ON c.id = p.category_id
            WHERE ($1::text IS NULL OR c.slug = $1)
              AND ($2::text IS NULL OR p.name ILIKE $2 OR p.description ILIKE $2)
            """;
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(conn)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"SELECT count(*)::int {Filter}") { Parameters = { Text(category), Text(pattern) } },
                new NpgsqlBatchCommand($"SELECT {ProductColumns} {Filter} ORDER BY {order} LIMIT $3 OFFSET $4")
                {
                    Parameters =
                    {
                        Text(category),
                        Text(pattern),
                        new NpgsqlParameter<int> { TypedValue = pageSize },
                        new NpgsqlParameter<int> { TypedValue = (page - 1) * pageSize },
                    },
                },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var total = reader.GetInt32(0);
        await reader.NextResultAsync(ct);
        var items = new List<ProductDto>(pageSize);
        while (await reader.ReadAsync(ct))
        {
            items.Add(ReadProduct(reader));
        }

        return new PagedResult<ProductDto>(items, page, pageSize, total, (total + pageSize - 1) / pageSize);
    }

    public async Task<ProductDto?> ProductAsync(long id, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {ProductColumns} FROM products p JOIN categories c ON c.id = p.category_id WHERE p.id = $1");
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadProduct(reader) : null;
    }

    /// <summary>Runs the hot reads once per pooled connection so statements are prepared and code is jitted.</summary>
    public async Task WarmUpAsync(CancellationToken ct)
    {
        for (var i = 0; i < 4; i++)
        {
            await CategoriesAsync(ct);
            await ProductsAsync(null, null, ProductSort.Name, 1, 12, ct);
            await ProductsAsync("a", null, ProductSort.Price, 1, 12, ct);
            await ProductAsync(1, ct);
        }
    }

    internal static ProductDto ReadProduct(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetInt64(3),
        reader.GetString(4),
        reader.GetString(5),
        reader.GetInt32(6),
        reader.GetString(7),
        reader.GetString(8));

    private static NpgsqlParameter Text(string? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text };

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);
}
