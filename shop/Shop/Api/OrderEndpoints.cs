using Microsoft.AspNetCore.Http.HttpResults;
using Shop.Contracts;
using Shop.Hosting;

namespace Shop.Api;

/// <summary>
/// The orders api: one route table, named handlers with typed results (eShop's CatalogApi style).
/// POST needs an Idempotency-Key; an order is only shown to the cart that placed it.
/// </summary>
public static partial class OrderEndpoints
{
    public static RouteGroupBuilder MapOrdersApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var orders = api.MapGroup("/orders").WithMetadata(PrivateResponse.Instance).WithTags("Orders");
        orders.MapPost("", PlaceOrderAsync)
            .WithName("PlaceOrder")
            .WithSummary("Place an order for the cart; replays the stored answer for a repeated Idempotency-Key")
            .Accepts<OrderRequest>("application/json")
            .Produces<OrderDto>(StatusCodes.Status201Created)
            .Produces<OrderDto>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status402PaymentRequired)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        orders.MapGet("/{id}", GetOrderAsync)
            .WithName("GetOrder")
            .WithSummary("Get an order placed by this cart")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    public static async Task<Results<Ok<OrderDto>, ProblemHttpResult>> GetOrderAsync(
        string id, HttpContext context, OrderStore orders, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(orders);
        var cartId = CartSession.Read(context.Request);
        var order = cartId is not null && Guid.TryParse(id, out var orderId)
            ? await orders.GetAsync(orderId, cartId.Value, ct)
            : null;
        return order is null ? Problems.NotFound("No such order for this cart.") : TypedResults.Ok(order);
    }

    /// <summary>What placing an order uses besides the request itself.</summary>
    public sealed record PlaceOrderServices(OrderStore Orders, ShopMetrics Metrics, ILogger<OrderStore> Logger);

    public static async Task<Results<ContentHttpResult, ProblemHttpResult>> PlaceOrderAsync(
        HttpContext context, [AsParameters] PlaceOrderServices services, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(services);
        var (orders, metrics, logger) = services;
        var key = context.Request.Headers[ApiConventions.IdempotencyKeyHeader].ToString();
        if (!OrderValidation.IsValidKey(key))
        {
            return Problems.BadRequest("Send an Idempotency-Key header: 1 to 100 printable ASCII characters, new for each order.");
        }

        var (body, error) = await Problems.ReadJsonAsync<OrderRequest>(context.Request, ct);
        if (error is not null)
        {
            return error;
        }

        var errors = CheckoutRules.Validate(body!, out var cardDigits);
        if (errors.Count > 0)
        {
            metrics.CheckoutFailures.WithLabels("invalid").Inc();
            return Problems.Invalid(errors);
        }

        var cartId = CartSession.Read(context.Request);
        if (cartId is null)
        {
            metrics.CheckoutFailures.WithLabels("cart_empty").Inc();
            return Problems.Conflict("Your cart is empty.", "cart_empty");
        }

        // Simulated payment, before any stock moves. The number itself is dropped here: only last4 is kept.
        if (cardDigits.EndsWith(CheckoutRules.DeclinedSuffix, StringComparison.Ordinal))
        {
            metrics.CheckoutFailures.WithLabels("payment_declined").Inc();
            return Problems.Create(
                StatusCodes.Status402PaymentRequired,
                "The card was declined. Please use another card.",
                new Dictionary<string, object?> { ["reason"] = "payment_declined" });
        }

        var fingerprint = OrderValidation.Fingerprint(body!, cardDigits);
        var result = await orders.PlaceAsync(cartId.Value, key, fingerprint, body!, cardDigits[^4..], ct);
        switch (result)
        {
            case PlaceOrderResult.Placed placed:
                metrics.OrdersPlaced.Inc();
                LogPlaced(logger, placed.Order.Number, placed.Order.Lines.Count, placed.Order.TotalMinor);
                return Stored(context, StatusCodes.Status201Created, placed.Json, placed.Order.Id, replayed: false);
            case PlaceOrderResult.Replay replay:
                return Stored(context, replay.Status, replay.Json, replay.OrderId, replayed: true);
            case PlaceOrderResult.KeyReused:
                metrics.CheckoutFailures.WithLabels("idempotency_key_reused").Inc();
                return Problems.Create(
                    StatusCodes.Status422UnprocessableEntity,
                    "This Idempotency-Key was already used with a different request body. Use a new key for a new order.",
                    new Dictionary<string, object?> { ["reason"] = "idempotency_key_reused" });
            case PlaceOrderResult.OutOfStock stockOut:
                metrics.CheckoutFailures.WithLabels("out_of_stock").Inc();
                metrics.StockOuts.Inc();
                return Problems.Create(
                    StatusCodes.Status409Conflict,
                    stockOut.Available == 0
                        ? $"{stockOut.Name} is sold out. Remove it from your cart to continue."
                        : $"Only {stockOut.Available} of {stockOut.Name} left. Lower the quantity to continue.",
                    new Dictionary<string, object?> { ["reason"] = "out_of_stock", ["productId"] = stockOut.ProductId, ["available"] = stockOut.Available });
            default:
                metrics.CheckoutFailures.WithLabels("cart_empty").Inc();
                return Problems.Conflict("Your cart is empty.", "cart_empty");
        }
    }

    private static ContentHttpResult Stored(HttpContext context, int status, string json, Guid orderId, bool replayed)
    {
        context.Response.Headers.Location = $"/api/orders/{orderId}";
        if (replayed)
        {
            context.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return TypedResults.Text(json, "application/json; charset=utf-8", System.Text.Encoding.UTF8, status);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "order {Number} placed: {LineCount} line(s), total {TotalMinor} minor units")]
    private static partial void LogPlaced(ILogger logger, string number, int lineCount, long totalMinor);
}
