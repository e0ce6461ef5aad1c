using System.Net;
using System.Text;
using System.Text.Json;
using Testing.Postgres;
using Xunit;

namespace Shop.Tests.Api;

/// <summary>Every class of bad client input gets a 4xx problem+json with a detail, never a 5xx.</summary>
[Collection(PostgresFixture.Collection)]
public sealed class BadInputTests(PostgresFixture fixture, SharedApi shared) : IClassFixture<SharedApi>
{
    private const string Valid = """{"email":"a@example.com","name":"A","street":"S 1","city":"C","postalCode":"12345","country":"DE","cardNumber":"4242424242424242"}""";

    public static TheoryData<string, string, string?, string?, int> Cases() => new()
    {
        // method, path, content type, body, expected status
        { "POST", "api/cart/items", "application/x-www-form-urlencoded", "productId=1&quantity=1", 415 },
        { "POST", "api/cart/items", "multipart/form-data; boundary=x", "--x--", 415 },
        { "POST", "api/cart/items", "text/plain", """{"productId":1,"quantity":1}""", 415 },
        { "POST", "api/cart/items", null, null, 415 },
        { "POST", "api/cart/items", "application/json", "", 400 },
        { "POST", "api/cart/items", "application/json", "{\"productId\":1,", 400 },
        { "POST", "api/cart/items", "application/json", "null", 400 },
        { "POST", "api/cart/items", "application/json", "[1,2]", 400 },
        { "POST", "api/cart/items", "application/json", """{"productId":"one","quantity":1}""", 400 },
        { "POST", "api/cart/items", "application/json", """{"productId":1,"quantity":"1"}""", 400 },
        { "POST", "api/cart/items", "application/json", """{"productId":1}""", 400 },
        { "POST", "api/cart/items", "application/json", """{"productId":1,"quantity":1.5}""", 400 },
        { "POST", "api/cart/items", "application/json", """{"productId":1,"quantity":-1}""", 400 },
        { "POST", "api/cart/items", "application/json", """{"productId":1,"quantity":0}""", 400 },
        { "POST", "api/cart/items", "application/json", """{"productId":1,"quantity":100}""", 400 },
        { "POST", "api/cart/items", "application/json", """{"productId":1,"quantity":99999999999999}""", 400 },
        { "POST", "api/cart/items", "application/json", """{"productId":99999999999999999999999,"quantity":1}""", 400 },
        { "POST", "api/cart/items", "application/json", """{"productId":424242,"quantity":1}""", 404 },
        { "POST", "api/cart/items", "application/json", """{"productId":-5,"quantity":1}""", 404 },
        { "POST", "api/cart/items", "application/json", """{"productId":1,"quantity":50,"x":""" + new string('[', 40) + new string(']', 40) + "}", 400 },
        { "PUT", "api/cart/items/1", "application/json", """{"quantity":2}""", 404 },
        { "PUT", "api/cart/items/abc", "application/json", """{"quantity":2}""", 404 },
        { "PUT", "api/cart/items/1", "application/json", """{"quantity":-2}""", 400 },
        { "PUT", "api/cart/items/1", "application/x-www-form-urlencoded", "quantity=2", 415 },
        { "DELETE", "api/cart/items/notanumber", null, null, 404 },
        { "GET", "api/products/abc", null, null, 404 },
        { "GET", "api/products/0", null, null, 404 },
        { "GET", "api/products/99999999999999999999999", null, null, 404 },
        { "GET", "api/products/424242", null, null, 404 },
        { "GET", "api/products?page=0", null, null, 400 },
        { "GET", "api/products?page=-1", null, null, 400 },
        { "GET", "api/products?page=abc", null, null, 400 },
        { "GET", "api/products?page=99999999999", null, null, 400 },
        { "GET", "api/products?pageSize=1000", null, null, 400 },
        { "GET", "api/products?sort=id;DROP TABLE products", null, null, 400 },
        { "GET", "api/products?q=" + new string('x', 101), null, null, 400 },
        { "GET", "api/products?q=%00", null, null, 400 },
        { "GET", "api/products?category=%00", null, null, 400 },
        { "GET", "api/products?category=no-such-category", null, null, 404 },
        { "GET", "api/orders/not-a-guid", null, null, 404 },
        { "GET", "api/orders/" + "5f3c8f8e-0000-4000-8000-000000000000", null, null, 404 },
        { "GET", "api/nope", null, null, 404 },
        { "POST", "api/orders", "application/json", Valid, 400 }, // no Idempotency-Key (see Send)
        { "POST", "api/orders", "application/x-www-form-urlencoded", "email=a", 415 },
        { "POST", "api/orders", "application/json", "{}", 400 },
        { "POST", "api/orders", "application/json", Valid.Replace("a@example.com", "not-an-email", StringComparison.Ordinal), 400 },
        { "POST", "api/orders", "application/json", Valid.Replace("\"A\"", "\"" + new string('A', 101) + "\"", StringComparison.Ordinal), 400 },
        { "POST", "api/orders", "application/json", Valid.Replace("\"S 1\"", "\"" + new string('S', 5000) + "\"", StringComparison.Ordinal), 400 },
        { "POST", "api/orders", "application/json", Valid.Replace("\"C\"", "\"C\\u0000\"", StringComparison.Ordinal), 400 },
        { "POST", "api/orders", "application/json", Valid.Replace("\"C\"", "\"C\\ud800\"", StringComparison.Ordinal), 400 },
        { "POST", "api/orders", "application/json", Valid.Replace("\"DE\"", "\"Germany\"", StringComparison.Ordinal), 400 },
        { "POST", "api/orders", "application/json", Valid.Replace("4242424242424242", "4242424242424241", StringComparison.Ordinal), 400 },
        { "POST", "api/orders", "application/json", Valid.Replace("4242424242424242", "12ab", StringComparison.Ordinal), 400 },
        { "POST", "api/orders", "application/json", Valid.Replace("\"4242424242424242\"", "4242424242424242", StringComparison.Ordinal), 400 },
        { "POST", "api/orders", "application/json", Valid.Replace("\"email\":\"a@example.com\",", "", StringComparison.Ordinal), 400 },
        { "POST", "api/orders", "application/json", Valid.Replace("\"a@example.com\"", "null", StringComparison.Ordinal), 400 },
        // .NET's $ matches before a final newline: every pattern must end at \z, every field refuses control characters.
        { "POST", "api/orders", "application/json", Valid.Replace("\"DE\"", "\"DE\\n\"", StringComparison.Ordinal), 400 },
        { "POST", "api/orders", "application/json", Valid.Replace("\"12345\"", "\"12345\\n\"", StringComparison.Ordinal), 400 },
        { "POST", "api/orders", "application/json", Valid.Replace("a@example.com", "a@example.com\\n", StringComparison.Ordinal), 400 },
        { "POST", "api/orders", "application/json", Valid.Replace("4242424242424242", "4242424242424242\\u0085", StringComparison.Ordinal), 400 },
        { "POST", "api/orders", "application/json", Valid, 409 }, // valid, but this client has no cart
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_gets_a_4xx_problem_with_a_detail(string method, string path, string? contentType, string? body, int expected)
    {
        var api = await shared.GetAsync(fixture);
        using var client = api.NewShopper();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null || contentType is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body ?? string.Empty));
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        if (path == "api/orders" && !(expected == 400 && body == Valid))
        {
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == (int)response.StatusCode, $"{method} {path}: expected {expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        Assert.Equal(expected, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("detail").GetString()), text);
    }

    [Fact]
    public async Task Oversized_body_gets_413_not_a_5xx()
    {
        var api = await shared.GetAsync(fixture);
        using var client = api.NewShopper();
        var huge = "{\"productId\":1,\"quantity\":1,\"pad\":\"" + new string('x', 200_000) + "\"}";
        using var response = await client.PostAsync(new Uri("api/cart/items", UriKind.Relative), ApiApp.JsonBody(huge));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Cart_quantity_is_bounded_and_stock_is_checked()
    {
        var api = await shared.GetAsync(fixture);
        using var client = api.NewShopper();
        await api.ExecuteAsync("UPDATE products SET stock = 3 WHERE id = 10");
        await ApiApp.AddToCartAsync(client, 10, 3);
        using var more = await client.PostAsync(new Uri("api/cart/items", UriKind.Relative), ApiApp.JsonBody("""{"productId":10,"quantity":1}"""));
        Assert.Equal(HttpStatusCode.Conflict, more.StatusCode);
        Assert.Contains("Only 3 left", await more.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
