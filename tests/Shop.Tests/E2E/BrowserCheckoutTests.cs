using Xunit;
using Xunit.Abstractions;

namespace Shop.Tests.E2E;

/// <summary>A shopper's journey in headless Chromium (tests/browser/checkout.mjs) through nginx of the local stack.</summary>
[Collection(LocalStackCollection.Name)]
public sealed class BrowserCheckoutTests(LocalStack stack, ITestOutputHelper output)
{
    [SkippableFact]
    public async Task Shopper_searches_adds_to_cart_checks_out_and_sees_the_order_number()
    {
        await BrowserScript.RunAsync(stack, "checkout.mjs", output);
        Assert.True(File.Exists(Path.Combine(BrowserScript.Screenshots, "confirmation.png")), "screenshot of the confirmation page");
    }

    [SkippableFact]
    public async Task Shopper_recovers_from_a_declined_card_and_from_a_changed_form()
    {
        await BrowserScript.RunAsync(stack, "checkout-recovery.mjs", output);
    }

}
