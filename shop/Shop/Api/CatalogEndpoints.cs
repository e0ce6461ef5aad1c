using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Shop.Contracts;

namespace Shop.Api;

/// <summary>The catalog api: one route table, named handlers with typed results (eShop's CatalogApi style).</summary>
public static class CatalogEndpoints
{
    public static RouteGroupBuilder MapCatalogApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var catalog = api.MapGroup("").AddEndpointFilter<PublicCatalogCaching>().WithTags("Catalog");
        catalog.MapGet("/categories", GetCategoriesAsync)
            .WithName("ListCategories")
            .WithSummary("List the categories with their product counts")
            .WithMetadata(CatalogResponseCache.Kept.Instance);
        catalog.MapGet("/products", ListProductsAsync)
            .WithName("ListProducts")
            .WithSummary("List products: filter by category, search words, sort; page by number or by cursor")
            .WithMetadata(CatalogResponseCache.Kept.Instance);
        catalog.MapGet("/products/{id}", GetProductAsync)
            .WithName("GetProduct")
            .WithSummary("Get one product");
        return api;
    }

    public static async Task<Ok<IReadOnlyList<CategoryDto>>> GetCategoriesAsync(CatalogStore store, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        var categories = await store.CategoriesAsync(ct);
        return TypedResults.Ok<IReadOnlyList<CategoryDto>>(categories.Select(c => new CategoryDto(c.Slug, c.Name, c.ProductCount)).ToList());
    }

    public static async Task<Results<Ok<ProductPage>, BadRequest<ProblemDetails>, NotFound<ProblemDetails>>> ListProductsAsync(
        [AsParameters] ProductListQuery query, CatalogStore store, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        var (request, error) = ProductPaging.Parse(query);
        if (request is null)
        {
            return TypedResults.BadRequest(Problem(StatusCodes.Status400BadRequest, error!));
        }

        CategoryRow? category = null;
        if (request.CategorySlug is not null)
        {
            category = (await store.CategoriesAsync(ct)).FirstOrDefault(c => c.Slug == request.CategorySlug);
            if (category is null)
            {
                return TypedResults.NotFound(Problem(StatusCodes.Status404NotFound, $"No category '{Truncate(request.CategorySlug)}'."));
            }
        }

        return TypedResults.Ok(await store.ProductsAsync(request, category, ct));
    }

    public static async Task<Results<Ok<ProductDto>, NotFound<ProblemDetails>>> GetProductAsync(string id, CatalogStore store, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(store);
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var productId) || productId <= 0)
        {
            return TypedResults.NotFound(Problem(StatusCodes.Status404NotFound, $"No product with id '{Truncate(id)}'."));
        }

        var product = await store.ProductAsync(productId, ct);
        return product is null
            ? TypedResults.NotFound(Problem(StatusCodes.Status404NotFound, $"No product with id {productId}."))
            : TypedResults.Ok(product);
    }

    internal static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static ProblemDetails Problem(int status, string detail) => new() { Status = status, Detail = detail };
}

/// <summary>
/// HTTP caching of public catalog answers (never carts or orders, which live in other route groups): a
/// 200 is sent with <c>Cache-Control: public, max-age=5</c> and a strong <c>ETag</c> (a hash of the body);
/// a request whose <c>If-None-Match</c> names it gets 304 without a body. Problems are not cached, and are
/// sent as <c>application/problem+json</c>. The api keeps each 200 of the lists (categories, product pages and
/// searches) in <see cref="CatalogResponseCache"/> for the same bound and answers from there (with <c>Age</c>)
/// without reading the database; a product by id is always read (its page shows the live stock).
/// </summary>
public sealed class PublicCatalogCaching : IEndpointFilter
{
    public const int MaxAgeSeconds = 5;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var cache = http.RequestServices.GetRequiredService<CatalogResponseCache>();
        var key = cache.KeyOf(http.Request);
        if (key is not null && cache.TryGet(key, out var cached, out var age))
        {
            http.Response.Headers.Age = ((long)age.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            return Answer(http, cached.Body, cached.ETag);
        }

        var result = await next(context);
        if (result is INestedHttpResult nested)
        {
            result = nested.Result;
        }

        if (result is IValueHttpResult { Value: ProblemDetails problem })
        {
            // Typed results write ProblemDetails as application/json: answer problem+json like every other api error.
            return Results.Problem(problem);
        }

        if (result is not IStatusCodeHttpResult { StatusCode: StatusCodes.Status200OK } || result is not IValueHttpResult { Value: { } value })
        {
            return result;
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), Json.Options);
        var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(body).AsSpan(0, 16)) + "\"";
        if (key is not null)
        {
            cache.Store(key, body, etag);
        }

        return Answer(http, body, etag);
    }

    private static IResult Answer(HttpContext http, byte[] body, string etag)
    {
        var headers = http.Response.Headers;
        headers.CacheControl = $"public, max-age={MaxAgeSeconds.ToString(CultureInfo.InvariantCulture)}";
        headers.ETag = etag;
        return Matches(http.Request.Headers.IfNoneMatch.ToString(), etag)
            ? Results.StatusCode(StatusCodes.Status304NotModified)
            : Results.Bytes(body, "application/json; charset=utf-8");
    }

    // If-None-Match is a list of entity tags, weak comparison (RFC 9110 13.1.2): W/"x" matches "x"; * matches any.
    private static bool Matches(string ifNoneMatch, string etag) =>
        ifNoneMatch.Length > 0 && ifNoneMatch.Split(',').Select(t => t.Trim()).Any(t =>
            t == "*" || t == etag || (t.StartsWith("W/", StringComparison.Ordinal) && t[2..] == etag));
}
