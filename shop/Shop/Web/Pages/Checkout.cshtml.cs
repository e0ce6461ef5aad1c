using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc;
using Shop.Contracts;

namespace Shop.Web.Pages;

/// <summary>
/// Checkout form. The idempotency key is minted when the form is shown, so a double click or a browser
/// resubmit replays the first order instead of placing a second one.
/// </summary>
[ResponseCache(NoStore = true, Location = ResponseCacheLocation.None)]
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
            NewIdempotencyKey();
        }

        if (!ModelState.IsValid)
        {
            ClearCardNumber();
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
            NewIdempotencyKey();
        }

        ClearCardNumber();
        await LoadCartAsync(ct);
        return Page();
    }

    // The hidden input renders the posted value from ModelState before the property (asp-for): drop the
    // posted one, or the page would show the old key again and every resubmit would get the same 422.
    // The card number is never echoed back into the form (the input also renders value="").
    private void ClearCardNumber() => Form.CardNumber = string.Empty;

    private void NewIdempotencyKey()
    {
        IdempotencyKey = Guid.NewGuid().ToString("N");
        ModelState.Remove(nameof(IdempotencyKey));
    }

    private async Task LoadCartAsync(CancellationToken ct)
    {
        if (CartCookie.Read(Request) is not null)
        {
            Cart = (await api.GetCartAsync(ct)).Value;
        }
    }
}

/// <summary>The form fields; checked with the api's own rules (<see cref="CheckoutRules"/>), so both agree.</summary>
public sealed class CheckoutForm : IValidatableObject
{
    public string? Email { get; set; }

    public string? Name { get; set; }

    public string? Street { get; set; }

    public string? City { get; set; }

    public string? PostalCode { get; set; }

    public string? Country { get; set; }

    public string? CardNumber { get; set; }

    public OrderRequest ToRequest() =>
        new(Trim(Email), Trim(Name), Trim(Street), Trim(City), Trim(PostalCode), Trim(Country).ToUpperInvariant(), Trim(CardNumber));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        CheckoutRules.Validate(ToRequest(), out _)
            .Select(e => new ValidationResult(e.Value, [char.ToUpperInvariant(e.Key[0]) + e.Key[1..]]));

    private static string Trim(string? value) => value?.Trim() ?? string.Empty;
}
