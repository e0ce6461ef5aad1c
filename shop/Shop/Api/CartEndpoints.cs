using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Shop.Contracts;

namespace Shop.Api;

/// <summary>
/// The cart api: one route table, named handlers with typed results (eShop's CatalogApi style). Every answer
/// is the cart or a problem+json; bodies are read by <see cref="Problems.ReadJsonAsync{T}"/> so a non-JSON
/// body is a 415, never a bound form.
/// </summary>
public static class CartEndpoints
{
    public static RouteGroupBuilder MapCartApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var cart = api.MapGroup("/cart").WithMetadata(Hosting.PrivateResponse.Instance).WithTags("Cart");
        cart.MapGet("", GetCartAsync)
            .WithName("GetCart")
            .WithSummary("Get the cart named by the cart cookie (an empty cart without one)");
        cart.MapPost("/items", AddItemAsync)
            .WithName("AddCartItem")
            .WithSummary("Add a quantity of a product; creates the cart and sets its cookie on the first add")
            .Accepts<AddCartItemRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        cart.MapPut("/items/{productId}", SetItemQuantityAsync)
            .WithName("SetCartItemQuantity")
            .WithSummary("Set the quantity of a product in the cart (0 removes the line)")
            .Accepts<SetCartQuantityRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        cart.MapDelete("/items/{productId}", RemoveItemAsync)
            .WithName("RemoveCartItem")
            .WithSummary("Remove a product from the cart")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    public static async Task<Ok<CartDto>> GetCartAsync(HttpContext context, CartStore carts, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(carts);
        return TypedResults.Ok(await carts.GetAsync(CartSession.Read(context.Request), ct));
    }

    public static async Task<Results<Ok<CartDto>, ProblemHttpResult>> AddItemAsync(HttpContext context, CartStore carts, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(carts);
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
        if (existing is { } known && await carts.ExistsAsync(known, ct))
        {
            return Answer(context, await carts.ChangeAsync(known, body.ProductId, body.Quantity, replace: false, ct), body.ProductId);
        }

        var cartId = CartSession.NewId();
        var added = await carts.AddToNewCartAsync(cartId, body.ProductId, body.Quantity, ct);
        if (added.Change == CartChange.Ok)
        {
            CartSession.Write(context, cartId);
        }

        return Answer(context, added, body.ProductId);
    }

    public static async Task<Results<Ok<CartDto>, ProblemHttpResult>> SetItemQuantityAsync(
        string productId, HttpContext context, CartStore carts, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(productId);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(carts);
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

        return Answer(context, await carts.ChangeAsync(cartId.Value, id, body.Quantity, replace: true, ct), id);
    }

    public static async Task<Results<Ok<CartDto>, ProblemHttpResult>> RemoveItemAsync(
        string productId, HttpContext context, CartStore carts, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(productId);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(carts);
        if (!TryProductId(productId, out var id))
        {
            return Problems.NotFound($"No product with id '{CatalogEndpoints.Truncate(productId)}'.");
        }

        var cartId = CartSession.Read(context.Request);
        if (cartId is not null)
        {
            await carts.RemoveAsync(cartId.Value, id, ct);
        }

        return TypedResults.Ok(await carts.GetAsync(cartId, ct));
    }

    private static Results<Ok<CartDto>, ProblemHttpResult> Answer(HttpContext context, CartChangeResult result, long productId)
    {
        var (change, available, cart) = result;
        if (change == CartChange.OutOfStock)
        {
            context.RequestServices.GetRequiredService<Hosting.ShopMetrics>().StockOuts.Inc();
        }

        return change switch
        {
            CartChange.Ok when cart is not null => TypedResults.Ok(cart),
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
