namespace Shop.Contracts;

// The api's JSON shapes (camelCase on the wire, System.Text.Json web defaults). Stable: the web tier and
// the browser depend on them. Money is always integer minor units (cents) with an ISO 4217 currency.
//
// Cart identity (session) contract:
// - The api owns the anonymous cart cookie `shop_cart` (CartCookieName): 32 hex chars = a random 128-bit id,
//   HttpOnly, SameSite=Lax, Path=/, Secure when the request is https, 30 days. The api sets it on the first
//   cart write (POST /api/cart/items) and never trusts an id it did not issue (unknown ids get a fresh cart).
// - Browser → nginx → api: same origin as the pages, so the browser sends the cookie itself.
// - Browser → web → api (server-side rendering, form-post fallbacks): the web tier copies the shopper's
//   `shop_cart` cookie into its api request (`Cookie: shop_cart=<id>`) and relays the api's
//   `Set-Cookie: shop_cart=...` back to the browser. It never uses a shared cookie container.
// - Orders are visible only with the cookie of the cart that placed them (404 otherwise).
// - Writes require `Content-Type: application/json` (415 otherwise), so a cross-site form cannot post.

public static class ApiConventions
{
    public const string CartCookieName = "shop_cart";
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const int MaxLineQuantity = 99;
    public const int MaxCartLines = 50;
    public const int MaxPageSize = 48;
    /// <summary>Numbered pages (offset) end here; the next and previous links (keyset cursors) go on without limit.</summary>
    public const int MaxPage = 100;

    /// <summary>The shape of a cart id the api issues: exactly 32 hex digits (a Guid in "N" format).</summary>
    public static bool IsCartId(string? value) =>
        value is { Length: 32 } && value.All(char.IsAsciiHexDigit);
}

public sealed record CategoryDto(string Slug, string Name, int ProductCount);

public sealed record ProductDto(
    long Id,
    string Name,
    string Description,
    long PriceMinor,
    string Currency,
    string ImageUrl,
    int Stock,
    string CategorySlug,
    string CategoryName);

/// <summary>
/// One page of products. <c>page</c> is 1-based (for display; carried by the cursors). <c>totalCount</c> counts
/// every match, except a search with more matches than it considers: then <c>totalIsLowerBound</c> is true,
/// <c>totalCount</c> is that bound ("200+") and <c>totalPages</c> is null. Follow <c>nextCursor</c> with
/// <c>?after=</c> and <c>previousCursor</c> with <c>?before=</c> (null at either end).
/// </summary>
public sealed record ProductPage(
    IReadOnlyList<ProductDto> Items,
    int Page,
    int PageSize,
    int TotalCount,
    bool TotalIsLowerBound,
    int? TotalPages,
    string? NextCursor,
    string? PreviousCursor);

public sealed record CartLineDto(long ProductId, string Name, string ImageUrl, long UnitPriceMinor, int Quantity, long LineTotalMinor, int Stock);

public sealed record CartDto(IReadOnlyList<CartLineDto> Lines, int ItemCount, long TotalMinor, string Currency);

/// <summary>Body of <c>POST /api/cart/items</c>: adds to the line's quantity (1..99 in total).</summary>
public sealed record AddCartItemRequest(long ProductId, int Quantity);

/// <summary>Body of <c>PUT /api/cart/items/{productId}</c>: sets the quantity (0 removes the line).</summary>
public sealed record SetCartQuantityRequest(int Quantity);

/// <summary>
/// Body of <c>POST /api/orders</c>. The card number is checked and then dropped: only the last four digits
/// are kept on the order. Test-card rule: any Luhn-valid 12..19 digit number is accepted, except numbers
/// ending in 0002, which are declined (402).
/// </summary>
public sealed record OrderRequest(string Email, string Name, string Street, string City, string PostalCode, string Country, string CardNumber);

public sealed record OrderLineDto(long ProductId, string Name, int Quantity, long UnitPriceMinor, long LineTotalMinor);

public sealed record OrderDto(
    Guid Id,
    string Number,
    IReadOnlyList<OrderLineDto> Lines,
    long TotalMinor,
    string Currency,
    string Email,
    string Name,
    string CardLast4,
    DateTimeOffset CreatedAt);
