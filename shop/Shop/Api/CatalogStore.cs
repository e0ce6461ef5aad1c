using Npgsql;
using NpgsqlTypes;
using Shop.Contracts;
using Shop.Data;

namespace Shop.Api;

/// <summary>A category as stored: its id (for queries) and its product count (kept by triggers).</summary>
public sealed record CategoryRow(int Id, string Slug, string Name, int ProductCount);

/// <summary>
/// Catalog reads (SQL in <see cref="CatalogQueries"/>). Nothing here costs more with a larger catalog: pages
/// are read by index in their order (keyset or a bounded offset), totals come from the categories' counts,
/// and a search reads at most <see cref="CatalogQueries.SearchCap"/> + 1 matches.
/// The category list (with the counts) is cached for <see cref="CategoriesLifetime"/>: a product added or
/// removed shows in the counts and totals at most that much later.
/// </summary>
public sealed class CatalogStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    public static readonly TimeSpan CategoriesLifetime = TimeSpan.FromSeconds(5);

    private volatile CategorySnapshot? _categories;

    /// <summary>The categories, at most <see cref="CategoriesLifetime"/> old (requests racing at expiry may each refresh: a read of a few rows).</summary>
    public async Task<IReadOnlyList<CategoryRow>> CategoriesAsync(CancellationToken ct)
    {
        var snapshot = _categories;
        if (snapshot is not null && time.GetUtcNow() < snapshot.Expires)
        {
            return snapshot.Rows;
        }

        var rows = await ReadCategoriesAsync(ct);
        _categories = new CategorySnapshot(rows, time.GetUtcNow() + CategoriesLifetime);
        return rows;
    }

    /// <summary>The categories as the database has them now (no cache).</summary>
    public async Task<IReadOnlyList<CategoryRow>> ReadCategoriesAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(CatalogQueries.Categories);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var list = new List<CategoryRow>();
        while (await reader.ReadAsync(ct))
        {
            list.Add(new CategoryRow(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
        }

        return list;
    }

    /// <summary>One page; <paramref name="category"/> is the request's category, already looked up.</summary>
    public async Task<ProductPage> ProductsAsync(ProductPageRequest request, CategoryRow? category, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (rows, matches) = await QueryAsync(request, category, ct);
        if (request.Seek == Seek.Before && rows.Count <= request.PageSize)
        {
            // Nothing before this page: it is the first page, read as such (full, numbered 1).
            request = request with { Seek = Seek.Offset, Page = 1, Cursor = null };
            (rows, matches) = await QueryAsync(request, category, ct);
        }

        if (request.SearchQuery is not null)
        {
            var capped = matches > CatalogQueries.SearchCap;
            return ProductPaging.ToPage(request, rows, capped ? CatalogQueries.SearchCap : matches, capped);
        }

        var total = category?.ProductCount ?? (await CategoriesAsync(ct)).Sum(c => c.ProductCount);
        return ProductPaging.ToPage(request, rows, total, false);
    }

    public async Task<ProductDto?> ProductAsync(long id, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(CatalogQueries.ProductById);
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadProduct(reader, 0) : null;
    }

    /// <summary>Runs the hot reads once per pooled connection so statements are prepared and code is jitted.</summary>
    public async Task WarmUpAsync(CancellationToken ct)
    {
        for (var i = 0; i < 4; i++)
        {
            var categories = await ReadCategoriesAsync(ct);
            var first = new ProductPageRequest(null, null, ProductSort.Name, ProductPaging.DefaultPageSize, 1, Seek.Offset, null);
            var page = await ProductsAsync(first, null, ct);
            if (page.NextCursor is not null)
            {
                await ProductsAsync(first with { Seek = Seek.After, Cursor = PageCursor.TryDecode(page.NextCursor) }, null, ct);
            }

            if (categories.Count > 0)
            {
                await ProductsAsync(first, categories[0], ct);
            }

            await ProductsAsync(first with { SearchQuery = ProductPaging.ToTsQuery("tea") }, null, ct);
            await ProductAsync(1, ct);
        }
    }

    internal static ProductDto ReadProduct(NpgsqlDataReader reader, int first) => new(
        reader.GetInt64(first),
        reader.GetString(first + 1),
        reader.GetString(first + 2),
        reader.GetInt64(first + 3),
        reader.GetString(first + 4),
        reader.GetString(first + 5),
        reader.GetInt32(first + 6),
        reader.GetString(first + 7),
        reader.GetString(first + 8));

    private async Task<(List<ProductDto> Rows, int Matches)> QueryAsync(ProductPageRequest request, CategoryRow? category, CancellationToken ct)
    {
        var shape = new ProductShape(category is not null, request.SearchQuery is not null, request.Sort, request.Seek);
        await using var cmd = dataSource.CreateCommand(CatalogQueries.ProductPage(shape));
        // In the order CatalogQueries documents: category, search, seek key and id, limit, offset.
        if (category is not null)
        {
            cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = category.Id });
        }

        if (request.SearchQuery is not null)
        {
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.SearchQuery, NpgsqlDbType = NpgsqlDbType.Text });
        }

        if (request.Cursor is { } cursor && request.Seek != Seek.Offset)
        {
            cmd.Parameters.Add(request.Sort == ProductSort.Name
                ? new NpgsqlParameter<string> { TypedValue = cursor.NameKey, NpgsqlDbType = NpgsqlDbType.Text }
                : new NpgsqlParameter<long> { TypedValue = cursor.PriceKey });
            cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = cursor.Id });
        }

        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = request.PageSize + 1 });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = request.Seek == Seek.Offset ? (request.Page - 1) * request.PageSize : 0 });

        var first = shape.BySearch ? 1 : 0;
        var rows = new List<ProductDto>(request.PageSize + 1);
        var matches = 0;
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (shape.BySearch)
            {
                matches = reader.GetInt32(0);
                if (reader.IsDBNull(1))
                {
                    continue; // the one row of an empty page: only the count
                }
            }

            rows.Add(ReadProduct(reader, first));
        }

        return (rows, matches);
    }

    private sealed record CategorySnapshot(IReadOnlyList<CategoryRow> Rows, DateTimeOffset Expires);
}
