using System.Globalization;
using Shop.Contracts;

namespace Shop.Api;

/// <summary>GET /api/categories, GET /api/products?q=&amp;category=&amp;sort=name|price|-price&amp;page=&amp;pageSize=, GET /api/products/{id}.</summary>
public static class CatalogEndpoints
{
    private const int MaxQueryLength = 100;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/categories", async (CatalogStore store, CancellationToken ct) => Results.Ok(await store.CategoriesAsync(ct)));
        api.MapGet("/products", ListAsync);
        api.MapGet("/products/{id}", async (string id, CatalogStore store, CancellationToken ct) =>
        {
            if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var productId) || productId <= 0)
            {
                return Problems.NotFound($"No product with id '{Truncate(id)}'.");
            }

            var product = await store.ProductAsync(productId, ct);
            return product is null ? Problems.NotFound($"No product with id {productId}.") : Results.Ok(product);
        });
    }

    private static async Task<IResult> ListAsync(HttpRequest request, CatalogStore store, CancellationToken ct)
    {
        var query = request.Query;
        var q = query["q"].ToString().Trim();
        if (q.Length > MaxQueryLength)
        {
            return Problems.BadRequest($"The search text is limited to {MaxQueryLength} characters.");
        }

        var category = query["category"].ToString();
        if (q.Contains('\0', StringComparison.Ordinal) || category.Contains('\0', StringComparison.Ordinal) || category.Length > MaxQueryLength)
        {
            return Problems.BadRequest("The search text or category contains characters that are not allowed.");
        }

        var sort = query["sort"].ToString() switch
        {
            "" or "name" => (ProductSort?)ProductSort.Name,
            "price" => ProductSort.Price,
            "-price" or "price_desc" => ProductSort.PriceDesc,
            _ => null,
        };
        if (sort is null)
        {
            return Problems.BadRequest("sort must be name, price or -price.");
        }

        if (!TryInt(query["page"].ToString(), 1, 1, ApiConventions.MaxPage, out var page))
        {
            return Problems.BadRequest($"page must be a whole number from 1 to {ApiConventions.MaxPage}.");
        }

        if (!TryInt(query["pageSize"].ToString(), 12, 1, ApiConventions.MaxPageSize, out var pageSize))
        {
            return Problems.BadRequest($"pageSize must be a whole number from 1 to {ApiConventions.MaxPageSize}.");
        }

        if (category.Length > 0 && !await store.CategoryExistsAsync(category, ct))
        {
            return Problems.NotFound($"No category '{Truncate(category)}'.");
        }

        return Results.Ok(await store.ProductsAsync(q.Length == 0 ? null : q, category.Length == 0 ? null : category, sort.Value, page, pageSize, ct));
    }

    private static bool TryInt(string text, int fallback, int min, int max, out int value)
    {
        if (text.Length == 0)
        {
            value = fallback;
            return true;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }

    internal static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
