using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Testing.Postgres;
using Xunit;

namespace Shop.Tests.Api;

[Collection(PostgresFixture.Collection)]
public sealed class CheckoutTests(PostgresFixture fixture, SharedApi shared) : IClassFixture<SharedApi>
{
    [Fact]
    public async Task Parallel_checkouts_never_oversell_exactly_stock_many_succeed()
    {
        var api = await shared.GetAsync(fixture);
        const int Stock = 7;
        const int Buyers = 24;
        const long ProductId = 3;
        var shoppers = Enumerable.Range(0, Buyers).Select(_ => api.NewShopper()).ToList();
        try
        {
            await api.ExecuteAsync("UPDATE products SET stock = 50 WHERE id = $1", ProductId);
            foreach (var shopper in shoppers)
            {
                await ApiApp.AddToCartAsync(shopper, ProductId, 1);
            }

            await api.ExecuteAsync("UPDATE products SET stock = $2 WHERE id = $1", ProductId, Stock);
            using var start = new SemaphoreSlim(0, Buyers);
            var tasks = shoppers.Select(async s =>
            {
                await start.WaitAsync();
                using var response = await ApiApp.CheckoutAsync(s, Guid.NewGuid().ToString());
                return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
            }).ToList();
            start.Release(Buyers);
            var results = await Task.WhenAll(tasks);

            Assert.Equal(Stock, results.Count(r => r.StatusCode == HttpStatusCode.Created));
            var refused = results.Where(r => r.StatusCode != HttpStatusCode.Created).ToList();
            Assert.Equal(Buyers - Stock, refused.Count);
            Assert.All(refused, r =>
            {
                Assert.Equal(HttpStatusCode.Conflict, r.StatusCode);
                using var problem = JsonDocument.Parse(r.Body);
                Assert.Equal("out_of_stock", problem.RootElement.GetProperty("reason").GetString());
                Assert.Contains("sold out", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
            });
            Assert.Equal(0, await api.ScalarAsync<int>("SELECT stock FROM products WHERE id = $1", ProductId));
            Assert.Equal(Stock, (int)await api.ScalarAsync<long>("SELECT coalesce(sum(quantity), 0) FROM order_lines WHERE product_id = $1", ProductId));
        }
        finally
        {
            shoppers.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Replay_returns_the_first_response_and_a_different_body_gets_422()
    {
        var api = await shared.GetAsync(fixture);
        using var shopper = api.NewShopper();
        await ApiApp.AddToCartAsync(shopper, 5, 2);
        var key = Guid.NewGuid().ToString();

        using var first = await ApiApp.CheckoutAsync(shopper, key);
        var firstBody = await first.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        using var replay = await ApiApp.CheckoutAsync(shopper, key);
        Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
        Assert.Equal(firstBody, await replay.Content.ReadAsStringAsync());
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());

        var order = JsonSerializer.Deserialize<Contracts.OrderDto>(firstBody, JsonSerializerOptions.Web)!;
        Assert.Equal(1, await api.ScalarAsync<long>("SELECT count(*) FROM orders WHERE id = $1", order.Id));
        Assert.Equal(2, order.Lines.Single().Quantity);
        Assert.Equal(order.Lines.Single().UnitPriceMinor * 2, order.TotalMinor);
        Assert.Equal("4242", order.CardLast4);
        Assert.DoesNotContain("4242 4242", firstBody, StringComparison.Ordinal);

        using var mismatch = await ApiApp.CheckoutAsync(shopper, key, new { email = "other@example.com", name = "Ada", street = "x", city = "y", postalCode = "1", country = "GB", cardNumber = "4242424242424242" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, mismatch.StatusCode);
        Assert.Equal("application/problem+json", mismatch.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, await api.ScalarAsync<long>("SELECT count(*) FROM orders"
            + " WHERE cart_id = (SELECT cart_id FROM orders WHERE id = $1)", order.Id));
    }

    [Fact]
    public async Task Concurrent_requests_with_one_key_place_one_order()
    {
        var api = await shared.GetAsync(fixture);
        using var shopper = api.NewShopper();
        await ApiApp.AddToCartAsync(shopper, 7, 1);
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            using var response = await ApiApp.CheckoutAsync(shopper, "same-key");
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.Single(responses.Select(r => r.Body).Distinct());
        var order = JsonSerializer.Deserialize<Contracts.OrderDto>(responses[0].Body, JsonSerializerOptions.Web)!;
        Assert.Equal(1L, await api.ScalarAsync<long>(
            "SELECT count(*) FROM orders WHERE cart_id = (SELECT cart_id FROM orders WHERE id = $1)", order.Id));
    }

    [Fact]
    public async Task Order_is_visible_only_to_the_cart_that_placed_it()
    {
        var api = await shared.GetAsync(fixture);
        using var owner = api.NewShopper();
        using var stranger = api.NewShopper();
        await ApiApp.AddToCartAsync(owner, 6, 1);
        await ApiApp.AddToCartAsync(stranger, 6, 1);
        using var placed = await ApiApp.CheckoutAsync(owner, "order-visibility");
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        var location = placed.Headers.Location!.OriginalString.TrimStart('/');

        using var mine = await owner.GetAsync(new Uri(location, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        var order = await mine.Content.ReadFromJsonAsync<Contracts.OrderDto>();
        Assert.StartsWith("SO-", order!.Number, StringComparison.Ordinal);

        using var theirs = await stranger.GetAsync(new Uri(location, UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        using var anonymous = new HttpClient { BaseAddress = api.BaseAddress };
        using var nobody = await anonymous.GetAsync(new Uri(location, UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, nobody.StatusCode);

        // The cart was emptied by the order.
        var cart = await owner.GetFromJsonAsync<Contracts.CartDto>("api/cart");
        Assert.Empty(cart!.Lines);
    }

    [Fact]
    public async Task Declined_test_card_gets_402_and_keeps_the_stock()
    {
        var api = await shared.GetAsync(fixture);
        using var shopper = api.NewShopper();
        await ApiApp.AddToCartAsync(shopper, 8, 1);
        var before = await api.ScalarAsync<int>("SELECT stock FROM products WHERE id = 8");
        using var declined = await ApiApp.CheckoutAsync(shopper, "declined", ApiApp.ValidOrder("4000000000000002"));
        Assert.Equal(HttpStatusCode.PaymentRequired, declined.StatusCode);
        Assert.Contains("declined", await declined.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await api.ScalarAsync<int>("SELECT stock FROM products WHERE id = 8"));
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM orders WHERE card_last4 = '0002'"));
    }
}
