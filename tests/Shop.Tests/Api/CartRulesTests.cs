using System.Net;
using System.Text.Json;
using Testing.Postgres;
using Xunit;

namespace Shop.Tests.Api;

/// <summary>Issue 12: a cart exists only after a successful add, and holds one currency.</summary>
[Collection(PostgresFixture.Collection)]
public sealed class CartRulesTests(PostgresFixture fixture, SharedApi shared) : IClassFixture<SharedApi>
{
    [Theory]
    [InlineData("""{"productId":424242,"quantity":1}""", 404)]
    [InlineData("""{"productId":1,"quantity":99}""", 409)]
    public async Task A_failed_first_add_creates_no_cart_and_sets_no_cookie(string body, int expected)
    {
        var api = await shared.GetAsync(fixture);
        await api.ExecuteAsync("UPDATE products SET stock = 5 WHERE id = 1");
        var before = await api.ScalarAsync<long>("SELECT count(*) FROM carts");
        using var shopper = api.NewShopper();
        using var response = await shopper.PostAsync(new Uri("api/cart/items", UriKind.Relative), ApiApp.JsonBody(body));
        Assert.Equal(expected, (int)response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"), "no cart cookie for a failed add");
        Assert.Equal(before, await api.ScalarAsync<long>("SELECT count(*) FROM carts"));
    }

    [Fact]
    public async Task A_successful_first_add_creates_the_cart_and_sets_the_cookie()
    {
        var api = await shared.GetAsync(fixture);
        using var shopper = api.NewShopper();
        using var response = await shopper.PostAsync(new Uri("api/cart/items", UriKind.Relative), ApiApp.JsonBody("""{"productId":2,"quantity":1}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        var id = Guid.ParseExact(cookie[(cookie.IndexOf('=', StringComparison.Ordinal) + 1)..cookie.IndexOf(';', StringComparison.Ordinal)], "N");
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM carts WHERE id = $1", id));
    }

    [Fact]
    public async Task A_cart_holds_one_currency()
    {
        var api = await shared.GetAsync(fixture);
        var usd = await api.ScalarAsync<long>("""
            INSERT INTO products (category_id, name, description, price_minor, currency, image_url, stock)
            SELECT id, 'Dollar blend', 'Priced in USD', 900, 'USD', '/images/products/espresso-blend.svg', 50 FROM categories ORDER BY id LIMIT 1
            RETURNING id
            """);
        using var shopper = api.NewShopper();
        await ApiApp.AddToCartAsync(shopper, 3, 1);
        using var mixed = await shopper.PostAsync(new Uri("api/cart/items", UriKind.Relative), ApiApp.JsonBody($$"""{"productId":{{usd}},"quantity":1}"""));
        Assert.Equal(HttpStatusCode.Conflict, mixed.StatusCode);
        using var problem = JsonDocument.Parse(await mixed.Content.ReadAsStringAsync());
        Assert.Equal("currency_mismatch", problem.RootElement.GetProperty("reason").GetString());

        // Alone in a cart, the other currency is fine and the total is in it.
        using var other = api.NewShopper();
        await ApiApp.AddToCartAsync(other, usd, 2);
        using var cart = JsonDocument.Parse(await other.GetStringAsync(new Uri("api/cart", UriKind.Relative)));
        Assert.Equal("USD", cart.RootElement.GetProperty("currency").GetString());
        Assert.Equal(1800, cart.RootElement.GetProperty("totalMinor").GetInt64());
    }
}
