using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace Shop.Tests.E2E;

/// <summary>
/// Issue 12: every bad-input class seen so far, sent through nginx and straight to each tier, in a bounded
/// number of requests; counts the 5xx answers (0 allowed). 429s from nginx's rate limit are fine.
/// </summary>
[Collection(LocalStackCollection.Name)]
public sealed class FuzzTests(LocalStack stack, ITestOutputHelper output)
{
    private static readonly string[] Cookies = ["%0A", "%00", "%C3%A9", "%F0%9F%98%80", "abc%0D%0Ax", new string('f', 32), "0123456789abcdef0123456789abcdeg", new string('a', 4000)];

    private static readonly string[] Pages = ["/", "/cart", "/checkout", "/products/1", "/products/abc", "/products/99999999999999999999", "/orders/not-a-guid", "/orders/5f3c8f8e-0000-4000-8000-000000000000", "/?page=-1", "/?page=abc", "/?q=%00", "/?category=%0A", "/error/999999999999", "/%C0%AE%C0%AE/"];

    private static readonly string[] ApiGets = ["api/cart", "api/products?page=0", "api/products?pageSize=1000", "api/products?q=%00", "api/products/abc", "api/orders/not-a-guid", "api/nope", "api/products?sort=%0A"];

    private static readonly string[] OrderBodies = BadOrders().ToArray();

    [Fact]
    public async Task Hostile_input_gets_no_5xx_through_nginx_or_direct()
    {
        stack.EnsureStarted();
        var targets = new[] { (Name: "nginx", Web: stack.BaseUrl, Api: stack.BaseUrl), (Name: "direct", Web: stack.WebUrl, Api: stack.ApiUrl) };
        var failures = new List<string>();
        var sent = 0;
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 }) { Timeout = TimeSpan.FromSeconds(20) };
        foreach (var (name, web, api) in targets)
        {
            foreach (var request in Requests(web, api))
            {
                using (request)
                {
                    using var response = await http.SendAsync(request);
                    sent++;
                    if ((int)response.StatusCode >= 500)
                    {
                        failures.Add($"{name}: {request.Method} {request.RequestUri} -> {(int)response.StatusCode}");
                    }
                }
            }
        }

        output.WriteLine($"{sent} requests, {failures.Count} 5xx");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private static IEnumerable<HttpRequestMessage> Requests(Uri web, Uri api)
    {
        foreach (var cookie in Cookies)
        {
            foreach (var page in Pages)
            {
                yield return WithCookie(new HttpRequestMessage(HttpMethod.Get, new Uri(web, page)), cookie);
            }

            foreach (var path in ApiGets)
            {
                yield return WithCookie(new HttpRequestMessage(HttpMethod.Get, new Uri(api, path)), cookie);
            }

            yield return WithCookie(Json(HttpMethod.Post, new Uri(api, "api/cart/items"), """{"productId":1,"quantity":1}"""), cookie);
            yield return WithCookie(Form(new Uri(web, "/checkout"), "Form.Country=DE%0A"), cookie);
        }

        foreach (var body in OrderBodies)
        {
            var order = Json(HttpMethod.Post, new Uri(api, "api/orders"), body);
            order.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
            yield return order;
        }

        foreach (var body in new[] { "", "{", "null", "[]", """{"productId":"1","quantity":1}""", """{"productId":1e400,"quantity":1}""", """{"productId":1,"quantity":1,"x":""" + new string('[', 64) + new string(']', 64) + "}" })
        {
            yield return Json(HttpMethod.Post, new Uri(api, "api/cart/items"), body);
            yield return Json(HttpMethod.Put, new Uri(api, "api/cart/items/1"), body);
        }

        foreach (var method in new[] { "PATCH", "PUT", "DELETE", "POST", "OPTIONS" })
        {
            yield return new HttpRequestMessage(new HttpMethod(method), new Uri(api, "api/products"));
            yield return new HttpRequestMessage(new HttpMethod(method), new Uri(api, "api/cart"));
            yield return new HttpRequestMessage(new HttpMethod(method), new Uri(web, "/cart"));
        }

        foreach (var header in new[] { ("X-Request-ID", "\u00e9t\u00e9"), ("X-Request-ID", new string('r', 5000)), ("X-Forwarded-Proto", "gopher"), ("X-Forwarded-For", "not-an-ip, ::::"), ("Idempotency-Key", "\u00ff") })
        {
            var request = new HttpRequestMessage(HttpMethod.Get, new Uri(web, "/"));
            request.Headers.TryAddWithoutValidation(header.Item1, header.Item2);
            yield return request;
            var apiRequest = Json(HttpMethod.Post, new Uri(api, "api/orders"), OrderBodies[0]);
            apiRequest.Headers.TryAddWithoutValidation(header.Item1, header.Item2);
            yield return apiRequest;
        }

        yield return Json(HttpMethod.Post, new Uri(api, "api/cart/items"), "{\"pad\":\"" + new string('x', 200_000) + "\"}");
        yield return new HttpRequestMessage(HttpMethod.Get, new Uri(web, "/?q=" + new string('q', 6000)));
    }

    private static IEnumerable<string> BadOrders()
    {
        const string valid = """{"email":"a@example.com","name":"A","street":"S 1","city":"C","postalCode":"12345","country":"DE","cardNumber":"4242424242424242"}""";
        foreach (var (field, value) in new[] { ("\"DE\"", "\"DE\\n\""), ("\"12345\"", "\"12345\\n\""), ("\"A\"", "\"A\\u0000\""), ("\"C\"", "\"C\\ud800\""), ("\"S 1\"", "\"S\\u0085\""), ("\"4242424242424242\"", "\"4242424242424242\\n\""), ("\"a@example.com\"", "\"a@example.com\\n\""), ("\"A\"", "\"" + new string('A', 10_000) + "\""), ("\"DE\"", "7") })
        {
            yield return valid.Replace(field, value, StringComparison.Ordinal);
        }
    }

    private static HttpRequestMessage WithCookie(HttpRequestMessage request, string cookie)
    {
        request.Headers.TryAddWithoutValidation("Cookie", $"shop_cart={cookie}");
        return request;
    }

    private static HttpRequestMessage Json(HttpMethod method, Uri uri, string body) =>
        new(method, uri) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private static HttpRequestMessage Form(Uri uri, string body) =>
        new(HttpMethod.Post, uri) { Content = new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded") };
}
