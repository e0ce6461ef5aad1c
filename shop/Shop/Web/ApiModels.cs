namespace Shop.Web;

// The JSON the web tier reads from and sends to the api (camelCase on the wire). Kept in the web tier so
// a page only depends on the fields it shows; names follow the api's documented shapes.
public sealed record CategoryView(string Slug, string Name);

public sealed record ProductView(long Id, string Name, string Description, long PriceMinor, string Currency, string ImageUrl, int Stock, string CategorySlug);

public sealed record ProductPageView(IReadOnlyList<ProductView> Items, int Page, int PageSize, int TotalCount);

public sealed record CartLineView(long ProductId, string Name, long UnitPriceMinor, int Quantity, long LineTotalMinor);

public sealed record CartView(IReadOnlyList<CartLineView> Lines, int ItemCount, long TotalMinor, string Currency);

public sealed record OrderLineView(long ProductId, string Name, int Quantity, long UnitPriceMinor, long LineTotalMinor);

public sealed record OrderView(Guid Id, string Number, IReadOnlyList<OrderLineView> Lines, long TotalMinor, string Currency);

public sealed record AddCartItemBody(long ProductId, int Quantity);

public sealed record SetQuantityBody(int Quantity);

public sealed record PlaceOrderBody(string Email, string Name, string Street, string City, string PostalCode, string Country, string CardNumber);
