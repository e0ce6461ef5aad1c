using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc;
using Shop.Contracts;

namespace Shop.Web.Pages;

/// <summary>
/// Checkout form. The idempotency key is minted when the form is shown, so a double click or a browser
/// resubmit replays the first order instead of placing a second one.
/// </summary>
public sealed class CheckoutModel(ShopApiClient api) : PageModel
{
    [BindProperty]
    public CheckoutForm Form { get; set; } = new();

    [BindProperty]
    public string IdempotencyKey { get; set; } = string.Empty;

    public CartDto? Cart { get; private set; }

    public string? Problem { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        IdempotencyKey = Guid.NewGuid().ToString("N");
        await LoadCartAsync(ct);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!Guid.TryParseExact(IdempotencyKey, "N", out _))
        {
            IdempotencyKey = Guid.NewGuid().ToString("N");
        }

        if (!ModelState.IsValid)
        {
            Form.CardNumber = string.Empty;
            await LoadCartAsync(ct);
            return Page();
        }

        var order = await api.PlaceOrderAsync(Form.ToRequest(), IdempotencyKey, ct);
        if (order.Ok)
        {
            return Redirect($"/orders/{order.Value!.Id}");
        }

        Problem = order.Problem;
        if (order.Status is System.Net.HttpStatusCode.Conflict or System.Net.HttpStatusCode.UnprocessableEntity or System.Net.HttpStatusCode.PaymentRequired)
        {
            // The cart, the form or the card decided the outcome: a corrected submit is a new order attempt.
            IdempotencyKey = Guid.NewGuid().ToString("N");
        }

        Form.CardNumber = string.Empty;
        await LoadCartAsync(ct);
        return Page();
    }

    private async Task LoadCartAsync(CancellationToken ct)
    {
        if (Request.Cookies.ContainsKey(CartCookie.Name))
        {
            Cart = (await api.GetCartAsync(ct)).Value;
        }
    }
}

public sealed class CheckoutForm
{
    [Required(ErrorMessage = "Enter your email address.")]
    [EmailAddress(ErrorMessage = "Enter a valid email address, like name@example.com.")]
    [StringLength(254)]
    public string Email { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your full name.")]
    [StringLength(100, ErrorMessage = "Use at most 100 characters.")]
    public string Name { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your street address.")]
    [StringLength(200, ErrorMessage = "Use at most 200 characters.")]
    public string Street { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your city.")]
    [StringLength(100, ErrorMessage = "Use at most 100 characters.")]
    public string City { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your postal code.")]
    [StringLength(20, ErrorMessage = "Use at most 20 characters.")]
    public string PostalCode { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your country code, like US or DE.")]
    [RegularExpression("^[A-Za-z]{2}$", ErrorMessage = "Use a two-letter country code, like US or DE.")]
    public string Country { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter a card number.")]
    [RegularExpression(@"^[0-9 ]{12,23}$", ErrorMessage = "Enter the card number as digits.")]
    public string CardNumber { get; set; } = string.Empty;

    public OrderRequest ToRequest() =>
        new(Email.Trim(), Name.Trim(), Street.Trim(), City.Trim(), PostalCode.Trim(), Country.Trim().ToUpperInvariant(),
            CardNumber.Replace(" ", string.Empty, StringComparison.Ordinal));
}
