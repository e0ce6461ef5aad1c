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
    private const string Chromium = "/usr/bin/chromium";

    [SkippableFact]
    public async Task Shopper_pages_forward_back_and_uses_the_browser_back_button()
    {
        Skip.IfNot(File.Exists(Chromium), $"{Chromium} is not installed (apt-get install chromium)");
        var node = BrowserCheckoutTests.FindOnPath("node");
        Skip.If(node is null, "node is not installed (apt-get install nodejs npm)");
        stack.EnsureStarted();

        var browserDir = Path.Combine(LocalStack.RepoRoot, "tests", "browser");
        if (!Directory.Exists(Path.Combine(browserDir, "node_modules", "playwright-core")))
        {
            var (ciCode, ciOut) = await BrowserCheckoutTests.RunAsync(BrowserCheckoutTests.FindOnPath("npm") ?? "npm", ["ci", "--no-audit", "--no-fund"], browserDir, TimeSpan.FromMinutes(3));
            Assert.True(ciCode == 0, $"npm ci failed:\n{ciOut}");
        }

        var screenshots = Path.Combine(AppContext.BaseDirectory, "TestResults", "browser");
        var (code, text) = await BrowserCheckoutTests.RunAsync(node!, ["paging.mjs", stack.BaseUrl.ToString(), screenshots], browserDir, TimeSpan.FromMinutes(2));
        output.WriteLine(text);
        Assert.True(code == 0, $"paging.mjs exited with {code}:\n{text}\n--- stack output ---\n{stack.Output}");
    }
}
