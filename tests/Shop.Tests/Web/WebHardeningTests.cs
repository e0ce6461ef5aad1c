using System.Net;
using Shop.Contracts;
using Shop.Tests.Api;
using Shop.Web.Pages;
using Testing.Postgres;
using Xunit;

namespace Shop.Tests.Web;

/// <summary>Issue 12: the web tier under hostile cookies, an api outage and the checkout's 422 trap.</summary>
[Collection(PostgresFixture.Collection)]
public sealed class WebHardeningTests(PostgresFixture fixture, SharedApi shared) : IClassFixture<SharedApi>
{
    public static TheoryData<string, string> HostileCookies()
    {
        var data = new TheoryData<string, string>();
        foreach (var path in new[] { "/", "/cart", "/checkout", "/products/1", "/no-such-page" })
        {
            // Cookie values are percent-decoded by ASP.NET Core: these become a newline, NUL, CR LF, non-ASCII.
            foreach (var value in new[] { "%0A", "%00", "abc%0D%0ASet-Cookie:%20x=1", "%C3%A9t%C3%A9", "%F0%9F%98%80", "0123456789abcdef0123456789abcdeg" })
            {
                data.Add(path, value);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(HostileCookies))]
    public async Task A_hostile_cart_cookie_never_gets_a_5xx(string path, string cookie)
    {
        var api = await shared.GetAsync(fixture);
        await using var web = await WebApp.StartAsync(api.BaseAddress);
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = web.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.TryAddWithoutValidation("Cookie", $"{ApiConventions.CartCookieName}={cookie}");
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode < 500, $"{path} with cookie {cookie}: {(int)response.StatusCode}\n{body}");
        Assert.DoesNotContain("busy", body, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("</html>", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/products/1")]
    [InlineData("/cart")]
    [InlineData("/checkout")]
    public async Task Pages_answer_503_when_the_api_cannot_answer(string path)
    {
        // Nothing listens on this port: every api call fails to connect.
        await using var web = await WebApp.StartAsync(new Uri($"http://127.0.0.1:{Ports.FreeTcpPort()}/"));
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = web.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.TryAddWithoutValidation("Cookie", $"{ApiConventions.CartCookieName}={Guid.NewGuid():N}");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(response.Headers.RetryAfter is not null, "Retry-After on a 503 page");
        Assert.Contains("</html>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_422_the_checkout_renders_a_fresh_key_and_the_corrected_submit_places_the_order()
    {
        var api = await shared.GetAsync(fixture);
        await using var web = await WebApp.StartAsync(api.BaseAddress);
        var cookies = new CookieContainer();
        using var browser = web.NewBrowser(cookies);
        using var apiClient = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = api.BaseAddress };
        await ApiApp.AddToCartAsync(apiClient, 4, 1);

        var form = await browser.GetStringAsync(new Uri("/checkout", UriKind.Relative));
        var key = WebApp.HiddenValue(form, "IdempotencyKey");
        var token = WebApp.HiddenValue(form, "__RequestVerificationToken");
        using (var placed = await browser.PostAsync(new Uri("/checkout", UriKind.Relative), Form(key, token, "Ada Lovelace")))
        {
            Assert.Equal(HttpStatusCode.Redirect, placed.StatusCode);
        }

        // The shopper goes back, changes the form and submits the old page again: the same key with another body.
        await ApiApp.AddToCartAsync(apiClient, 4, 1);
        string fresh;
        using (var reused = await browser.PostAsync(new Uri("/checkout", UriKind.Relative), Form(key, token, "Grace Hopper")))
        {
            var page = await reused.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, reused.StatusCode);
            Assert.Contains("Idempotency-Key", page, StringComparison.Ordinal);
            fresh = WebApp.HiddenValue(page, "IdempotencyKey");
        }

        Assert.NotEqual(key, fresh);
        using var retried = await browser.PostAsync(new Uri("/checkout", UriKind.Relative), Form(fresh, token, "Grace Hopper"));
        Assert.Equal(HttpStatusCode.Redirect, retried.StatusCode);
    }

    [Fact]
    public void The_web_form_applies_the_api_rules()
    {
        var form = new CheckoutForm
        {
            Email = "ada@example.com",
            Name = "Ada",
            Street = "1 Way",
            City = "London",
            PostalCode = new string('1', CheckoutRules.MaxPostalCode + 1),
            Country = "gb",
            CardNumber = "4242-4242-4242-4242",
        };
        var errors = form.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(form)).ToList();
        var error = Assert.Single(errors);
        Assert.Equal(["PostalCode"], error.MemberNames);
        Assert.Empty(CheckoutRules.Validate(form.ToRequest() with { PostalCode = "N1 9GU" }, out var digits));
        Assert.Equal("4242424242424242", digits);
    }

    private static FormUrlEncodedContent Form(string key, string token, string name) => new(new Dictionary<string, string>
    {
        ["IdempotencyKey"] = key,
        ["__RequestVerificationToken"] = token,
        ["Form.Email"] = "ada@example.com",
        ["Form.Name"] = name,
        ["Form.Street"] = "1 Analytical Way",
        ["Form.City"] = "London",
        ["Form.PostalCode"] = "N1 9GU",
        ["Form.Country"] = "GB",
        ["Form.CardNumber"] = "4242 4242 4242 4242",
    });
}
