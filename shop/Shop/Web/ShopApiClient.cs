using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Caching.Memory;
using Shop.Contracts;

namespace Shop.Web;

/// <summary>
/// The web tier's only way to the data: the api over HTTP (seed: "Frontend (client) → Backend API (server)").
/// Forwards the shopper's cart cookie and relays the api's Set-Cookie, so the browser and the web tier share
/// one cart; passes the request id so one trace spans nginx, web and api.
/// </summary>
public sealed class ShopApiClient(HttpClient http, IHttpContextAccessor accessor, IMemoryCache cache, ILogger<ShopApiClient> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan CategoriesLifetime = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Categories and their counts, cached 5 s per replica like the api's own copy: the counts a shopper sees
    /// are at most about 10 s old.
    /// </summary>
    public async Task<ApiResult<IReadOnlyList<CategoryDto>>> GetCategoriesAsync(CancellationToken ct)
    {
        if (cache.TryGetValue(nameof(GetCategoriesAsync), out ApiResult<IReadOnlyList<CategoryDto>>? cached) && cached is not null)
        {
            return cached;
        }

        var result = await SendAsync<IReadOnlyList<CategoryDto>>(HttpMethod.Get, "api/categories", null, null, ct);
        if (result.Ok)
        {
            cache.Set(nameof(GetCategoriesAsync), result, CategoriesLifetime);
        }

        return result;
    }

    /// <summary>One catalog page: by number (<paramref name="page"/>) or by cursor (<paramref name="after"/> / <paramref name="before"/>).</summary>
    public Task<ApiResult<ProductPage>> GetProductsAsync(string? query, string? category, int page, string? after, string? before, int pageSize, CancellationToken ct)
    {
        var url = $"api/products?pageSize={pageSize}";
        if (!string.IsNullOrEmpty(after))
        {
            url += "&after=" + Uri.EscapeDataString(after);
        }
        else if (!string.IsNullOrEmpty(before))
        {
            url += "&before=" + Uri.EscapeDataString(before);
        }
        else if (page > 1)
        {
            url += "&page=" + page.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (!string.IsNullOrWhiteSpace(query))
        {
            url += "&q=" + Uri.EscapeDataString(query);
        }

        if (!string.IsNullOrWhiteSpace(category))
        {
            url += "&category=" + Uri.EscapeDataString(category);
        }

        return SendAsync<ProductPage>(HttpMethod.Get, url, null, null, ct);
    }

    public Task<ApiResult<ProductDto>> GetProductAsync(long id, CancellationToken ct) =>
        SendAsync<ProductDto>(HttpMethod.Get, $"api/products/{id}", null, null, ct);

    public Task<ApiResult<CartDto>> GetCartAsync(CancellationToken ct) =>
        SendAsync<CartDto>(HttpMethod.Get, "api/cart", null, null, ct);

    public Task<ApiResult<CartDto>> AddToCartAsync(long productId, int quantity, CancellationToken ct) =>
        SendAsync<CartDto>(HttpMethod.Post, "api/cart/items", new AddCartItemRequest(productId, quantity), null, ct);

    public Task<ApiResult<CartDto>> SetQuantityAsync(long productId, int quantity, CancellationToken ct) =>
        SendAsync<CartDto>(HttpMethod.Put, $"api/cart/items/{productId}", new SetCartQuantityRequest(quantity), null, ct);

    public Task<ApiResult<CartDto>> RemoveAsync(long productId, CancellationToken ct) =>
        SendAsync<CartDto>(HttpMethod.Delete, $"api/cart/items/{productId}", null, null, ct);

    public Task<ApiResult<OrderDto>> PlaceOrderAsync(OrderRequest order, string idempotencyKey, CancellationToken ct) =>
        SendAsync<OrderDto>(HttpMethod.Post, "api/orders", order, idempotencyKey, ct);

    public Task<ApiResult<OrderDto>> GetOrderAsync(Guid id, CancellationToken ct) =>
        SendAsync<OrderDto>(HttpMethod.Get, $"api/orders/{id}", null, null, ct);

    /// <summary>True when the api answers its readiness probe: the web tier's own readiness.</summary>
    public async Task<bool> IsApiReadyAsync(CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync(new Uri("healthz/ready", UriKind.Relative), ct);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private async Task<ApiResult<T>> SendAsync<T>(HttpMethod method, string url, object? body, string? idempotencyKey, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(url, UriKind.Relative));
        if (body is not null)
        {
            // Buffered, so the api sees a Content-Length instead of a chunked body.
            request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), Json));
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        var context = accessor.HttpContext;
        if (context is not null)
        {
            var cart = CartCookie.Read(context.Request);
            if (cart is not null)
            {
                request.Headers.Add("Cookie", $"{CartCookie.Name}={cart}");
            }

            if (Hosting.RequestIds.Read(context.Request) is { } requestId)
            {
                request.Headers.TryAddWithoutValidation(Hosting.RequestIds.Header, requestId);
            }
        }

        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
            if (context is not null && response.Headers.TryGetValues("Set-Cookie", out var cookies))
            {
                foreach (var cookie in cookies)
                {
                    if (cookie.StartsWith(CartCookie.Name + "=", StringComparison.Ordinal))
                    {
                        context.Response.Headers.Append("Set-Cookie", cookie);
                    }
                }
            }

            if (response.IsSuccessStatusCode)
            {
                var value = await response.Content.ReadFromJsonAsync<T>(Json, ct);
                return value is null
                    ? ApiResult<T>.Failure(HttpStatusCode.BadGateway, "The shop returned an empty answer. Please try again.")
                    : ApiResult<T>.Success(value, response.StatusCode);
            }

            if ((int)response.StatusCode >= 500 && context is not null)
            {
                ApiOutage.Record(context);
            }

            return ApiResult<T>.Failure(response.StatusCode, await ProblemTextAsync(response, ct));
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or NotSupportedException
            || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            logger.LogWarning(e, "api call {Method} {Url} failed (trace {TraceId})", method, url, Activity.Current?.TraceId);
            if (context is not null)
            {
                ApiOutage.Record(context);
            }

            return ApiResult<T>.Failure(HttpStatusCode.ServiceUnavailable, "The shop is busy right now. Please try again in a moment.");
        }
    }

    private static async Task<string> ProblemTextAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            return "Too many requests right now. Please try again in a moment.";
        }

        if ((int)response.StatusCode >= 500)
        {
            return "Something went wrong on our side. Please try again.";
        }

        try
        {
            var problem = await response.Content.ReadFromJsonAsync<ProblemText>(Json, ct);
            var text = problem?.Detail ?? problem?.Title;
            if (!string.IsNullOrWhiteSpace(text))
            {
                return text;
            }
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            // Not problem+json: fall back to a generic message below.
        }

        return response.StatusCode == HttpStatusCode.NotFound ? "Not found." : "The request could not be completed.";
    }

    private sealed record ProblemText(string? Title, string? Detail);
}
