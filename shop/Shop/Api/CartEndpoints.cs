using System.Globalization;
using Shop.Contracts;

namespace Shop.Api;

/// <summary>GET /api/cart, POST /api/cart/items, PUT and DELETE /api/cart/items/{productId}; all answer the cart.</summary>
public static class CartEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api = api.MapGroup(string.Empty).WithMetadata(Hosting.PrivateResponse.Instance);
        api.MapGet("/cart", async (HttpContext context, CartStore carts, CancellationToken ct) =>
            Results.Ok(await carts.GetAsync(CartSession.Read(context.Request), ct)));

        api.MapPost("/cart/items", async (HttpContext context, CartStore carts, CancellationToken ct) =>
        {
            var (body, error) = await Problems.ReadJsonAsync<AddCartItemRequest>(context.Request, ct);
            if (error is not null)
            {
                return error;
            }

            if (body!.Quantity is < 1 or > ApiConventions.MaxLineQuantity)
            {
                return Problems.BadRequest($"quantity must be from 1 to {ApiConventions.MaxLineQuantity}.");
            }

            if (body.ProductId <= 0)
            {
                return Problems.NotFound($"No product with id {body.ProductId}.");
            }

            // Only an id the api issued is used; otherwise a fresh random cart, created (and its cookie set)
            // only when the add succeeds.
            var existing = CartSession.Read(context.Request);
            var fresh = existing is not { } known || !await carts.ExistsAsync(known, ct);
            var cartId = fresh ? CartSession.NewId() : existing!.Value;
            var result = await ChangeAsync(context, carts, cartId, body.ProductId, body.Quantity, replace: false, create: fresh, ct);
            if (fresh && result is IStatusCodeHttpResult { StatusCode: StatusCodes.Status200OK })
            {
                CartSession.Write(context, cartId);
            }

            return result;
        });

        api.MapPut("/cart/items/{productId}", async (string productId, HttpContext context, CartStore carts, CancellationToken ct) =>
        {
            var (body, error) = await Problems.ReadJsonAsync<SetCartQuantityRequest>(context.Request, ct);
            if (error is not null)
            {
                return error;
            }

            if (body!.Quantity is < 0 or > ApiConventions.MaxLineQuantity)
            {
                return Problems.BadRequest($"quantity must be from 0 to {ApiConventions.MaxLineQuantity} (0 removes the line).");
            }

            var cartId = CartSession.Read(context.Request);
            if (!TryProductId(productId, out var id) || cartId is null || !await carts.ExistsAsync(cartId.Value, ct))
            {
                return Problems.NotFound("That product is not in your cart.");
            }

            return await ChangeAsync(context, carts, cartId.Value, id, body.Quantity, replace: true, create: false, ct);
        });

        api.MapDelete("/cart/items/{productId}", async (string productId, HttpContext context, CartStore carts, CancellationToken ct) =>
        {
            if (!TryProductId(productId, out var id))
            {
                return Problems.NotFound($"No product with id '{CatalogEndpoints.Truncate(productId)}'.");
            }

            var cartId = CartSession.Read(context.Request);
            if (cartId is not null)
            {
                await carts.RemoveAsync(cartId.Value, id, ct);
            }

            return Results.Ok(await carts.GetAsync(cartId, ct));
        });
    }

    private static async Task<IResult> ChangeAsync(HttpContext context, CartStore carts, Guid cartId, long productId, int quantity, bool replace, bool create, CancellationToken ct)
    {
        var (change, available) = await carts.ChangeAsync(cartId, productId, quantity, replace, create, ct);
        if (change == CartChange.OutOfStock)
        {
            context.RequestServices.GetRequiredService<Hosting.ShopMetrics>().StockOuts.Inc();
        }

        return change switch
        {
            CartChange.Ok => Results.Ok(await carts.GetAsync(cartId, ct)),
            CartChange.UnknownProduct => Problems.NotFound($"No product with id {productId}."),
            CartChange.NotInCart => Problems.NotFound("That product is not in your cart."),
            CartChange.TooMany => Problems.Conflict($"At most {ApiConventions.MaxLineQuantity} of one product per order.", "quantity_limit"),
            CartChange.CurrencyMismatch => Problems.Conflict("This product is priced in another currency than your cart. Check out or empty your cart first.", "currency_mismatch"),
            CartChange.TooManyLines => Problems.Conflict($"A cart holds at most {ApiConventions.MaxCartLines} different products.", "cart_full"),
            _ => Problems.Conflict(available == 0 ? "This product is sold out." : $"Only {available} left in stock.", "out_of_stock"),
        };
    }

    private static bool TryProductId(string text, out long id) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id > 0;
}
