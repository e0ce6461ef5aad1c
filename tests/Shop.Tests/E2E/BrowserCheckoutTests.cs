using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace Shop.Tests.E2E;

/// <summary>A shopper's journey in headless Chromium (tests/browser/checkout.mjs) through nginx of the local stack.</summary>
[Collection(LocalStackCollection.Name)]
public sealed class BrowserCheckoutTests(LocalStack stack, ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";

    [SkippableFact]
    public async Task Shopper_searches_adds_to_cart_checks_out_and_sees_the_order_number()
    {
        Skip.IfNot(File.Exists(Chromium), $"{Chromium} is not installed (apt-get install chromium)");
        var node = FindOnPath("node");
        Skip.If(node is null, "node is not installed (apt-get install nodejs npm)");
        stack.EnsureStarted();
        await WaitForApiBudgetAsync();

        var browserDir = Path.Combine(LocalStack.RepoRoot, "tests", "browser");
        if (!Directory.Exists(Path.Combine(browserDir, "node_modules", "playwright-core")))
        {
            var (ciCode, ciOut) = await RunAsync(FindOnPath("npm") ?? "npm", ["ci", "--no-audit", "--no-fund"], browserDir, TimeSpan.FromMinutes(3));
            Assert.True(ciCode == 0, $"npm ci failed:\n{ciOut}");
        }

        // Kept under the test output folder (bin/<config>/<tfm>/TestResults/browser).
        var screenshots = Path.Combine(AppContext.BaseDirectory, "TestResults", "browser");
        var (code, text) = await RunAsync(node!, ["checkout.mjs", stack.BaseUrl.ToString(), screenshots], browserDir, TimeSpan.FromMinutes(2));
        output.WriteLine(text);
        Assert.True(code == 0, $"checkout.mjs exited with {code}:\n{text}\n--- stack output ---\n{stack.Output}");
        Assert.True(File.Exists(Path.Combine(screenshots, "confirmation.png")), "screenshot of the confirmation page");
    }

    [SkippableFact]
    public async Task Shopper_recovers_from_a_declined_card_and_from_a_changed_form()
    {
        Skip.IfNot(File.Exists(Chromium), $"{Chromium} is not installed (apt-get install chromium)");
        var node = FindOnPath("node");
        Skip.If(node is null, "node is not installed (apt-get install nodejs npm)");
        stack.EnsureStarted();
        await WaitForApiBudgetAsync();

        var browserDir = Path.Combine(LocalStack.RepoRoot, "tests", "browser");
        if (!Directory.Exists(Path.Combine(browserDir, "node_modules", "playwright-core")))
        {
            var (ciCode, ciOut) = await RunAsync(FindOnPath("npm") ?? "npm", ["ci", "--no-audit", "--no-fund"], browserDir, TimeSpan.FromMinutes(3));
            Assert.True(ciCode == 0, $"npm ci failed:\n{ciOut}");
        }

        var screenshots = Path.Combine(AppContext.BaseDirectory, "TestResults", "browser");
        var (code, text) = await RunAsync(node!, ["checkout-recovery.mjs", stack.BaseUrl.ToString(), screenshots], browserDir, TimeSpan.FromMinutes(2));
        output.WriteLine(text);
        Assert.True(code == 0, $"checkout-recovery.mjs exited with {code}:\n{text}\n--- stack output ---\n{stack.Output}");
    }

    // The rate-limit test shares this stack: start only when /api answers without 429 again. The journey's
    // only browser call to /api (add to cart) comes seconds later, by when the bucket has refilled further.
    private async Task WaitForApiBudgetAsync()
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

    internal static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, tool))
            .FirstOrDefault(File.Exists);

    internal static async Task<(int Code, string Output)> RunAsync(string file, IReadOnlyList<string> args, string workDir, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDir,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {timeout}\n{await stdout}{await stderr}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
