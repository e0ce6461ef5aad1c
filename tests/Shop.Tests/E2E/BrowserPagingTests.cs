using Xunit;
using Xunit.Abstractions;

namespace Shop.Tests.E2E;

/// <summary>
/// Catalog paging in headless Chromium (tests/browser/paging.mjs) through nginx of the local stack, whose
/// catalog is generated large (<see cref="LocalStack.DemoProducts"/>): Next, Next, Previous and browser Back.
/// </summary>
[Collection(LocalStackCollection.Name)]
public sealed class BrowserPagingTests(LocalStack stack, ITestOutputHelper output)
{
    [SkippableFact]
    public async Task Shopper_pages_forward_back_and_uses_the_browser_back_button() =>
        await BrowserScript.RunAsync(stack, "paging.mjs", output);
}
