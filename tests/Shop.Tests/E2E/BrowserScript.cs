using Xunit;
using Xunit.Abstractions;

namespace Shop.Tests.E2E;

/// <summary>
/// Runs one of tests/browser/*.mjs (playwright-core driving Debian's Chromium) against the local stack's nginx:
/// skips with the reason when Chromium or node is missing, installs the npm packages once, keeps screenshots
/// under the test output folder (bin/&lt;config&gt;/&lt;tfm&gt;/TestResults/browser).
/// </summary>
internal static class BrowserScript
{
    private const string Chromium = "/usr/bin/chromium";

    public static string Screenshots { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "browser");

    public static async Task RunAsync(LocalStack stack, string script, ITestOutputHelper output)
    {
        Skip.IfNot(File.Exists(Chromium), $"{Chromium} is not installed (apt-get install chromium)");
        var node = Processes.Find("node");
        Skip.If(node is null, "node is not installed (apt-get install nodejs npm)");
        stack.EnsureStarted();
        await WaitForApiBudgetAsync(stack);

        var browserDir = Path.Combine(Repo.Root, "tests", "browser");
        if (!Directory.Exists(Path.Combine(browserDir, "node_modules", "playwright-core")))
        {
            var ci = await Processes.RunAsync(Processes.Find("npm") ?? "npm", ["ci", "--no-audit", "--no-fund"], browserDir, timeout: TimeSpan.FromMinutes(3));
            Assert.True(ci.ExitCode == 0, $"npm ci failed:\n{ci.Output}");
        }

        var run = await Processes.RunAsync(node!, [script, stack.BaseUrl.ToString(), Screenshots], browserDir, timeout: TimeSpan.FromMinutes(2));
        output.WriteLine(run.Output);
        Assert.True(run.ExitCode == 0, $"{script} exited with {run.ExitCode}:\n{run.Output}\n--- stack output ---\n{stack.Output}");
    }


    // The rate-limit test shares this stack: start only when /api answers without 429 again. The journey's
    // only browser call to /api (add to cart) comes seconds later, by when the bucket has refilled further.
    private static async Task WaitForApiBudgetAsync(LocalStack stack)
    {
        using var http = new HttpClient { BaseAddress = stack.BaseUrl, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            using var response = await http.GetAsync(new Uri("api/categories", UriKind.Relative));
            if ((int)response.StatusCode != 429)
            {
                break;
            }

            await Task.Delay(500);
        }
    }
}
