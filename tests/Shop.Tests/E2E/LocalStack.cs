using System.Diagnostics;
using System.Text;
using Xunit;

namespace Shop.Tests.E2E;

/// <summary>
/// The stack of <c>make run</c>, started the same way (shop/run-local.sh) but on free loopback ports and in a
/// temp state folder, so it runs beside a developer's own <c>make run</c>. Stopped with SIGTERM, which runs the
/// script's trap: every process it started (PostgreSQL, api, web, nginx) goes down with it.
/// </summary>
public sealed class LocalStack : IAsyncLifetime
{
    // The nginx rate limit in this stack: low, so the 429 test needs only a short, bounded burst.
    public const int ApiRatePerSecond = 5;
    public const int ApiBurst = 10;

    // A large generated catalog (run-local.sh's SHOP_DEMO_PRODUCTS), so the browser pages through hundreds of pages.
    public const int DemoProducts = 5000;

    private readonly StringBuilder _output = new();
    private Process? _process;
    private string? _stateDir;

    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1/");

    public Uri ApiUrl { get; private set; } = new("http://127.0.0.1/");

    public Uri WebUrl { get; private set; } = new("http://127.0.0.1/");

    public string StateDir => _stateDir ?? throw new InvalidOperationException("stack not started");

    /// <summary>Why the stack could not start (null when it runs): shown as the tests' failure message.</summary>
    public string? StartFailure { get; private set; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async Task InitializeAsync()
    {
        _stateDir = Directory.CreateTempSubdirectory("shop-e2e-").FullName;
        // The script hands parts of this folder to the postgres and nobody users, who must traverse it.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_stateDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        var port = Ports.FreeTcpPort();
        var apiPort = Ports.FreeTcpPort();
        var webPort = Ports.FreeTcpPort();
        BaseUrl = new Uri($"http://127.0.0.1:{port}/");
        ApiUrl = new Uri($"http://127.0.0.1:{apiPort}/");
        WebUrl = new Uri($"http://127.0.0.1:{webPort}/");

        var psi = new ProcessStartInfo("bash", [Path.Combine(Repo.Root, "shop", "run-local.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repo.Root,
        };
        psi.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["API_PORT"] = apiPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["WEB_PORT"] = webPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["PG_PORT"] = Ports.FreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["API_METRICS_PORT"] = Ports.FreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["WEB_METRICS_PORT"] = Ports.FreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["SHOP_DEV_DIR"] = _stateDir;
        psi.Environment["SHOP_API_RATE"] = ApiRatePerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["SHOP_API_BURST"] = ApiBurst.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["SHOP_DEMO_PRODUCTS"] = DemoProducts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // SHOP_E2E_PUBLISH_DIR: reuse an existing publish of the shop instead of publishing into the temp folder.
        var published = Environment.GetEnvironmentVariable("SHOP_E2E_PUBLISH_DIR");
        psi.Environment["SHOP_PUBLISH_DIR"] = string.IsNullOrEmpty(published) ? Path.Combine(_stateDir, "publish") : published;
        psi.Environment["SHOP_SKIP_BUILD"] = string.IsNullOrEmpty(published) ? "0" : "1";

        _process = Process.Start(psi) ?? throw new InvalidOperationException("could not start run-local.sh");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // Publishing the shop dominates start-up on a busy 2-core machine.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                StartFailure = $"run-local.sh exited with {_process.ExitCode}:\n{Output}";
                return;
            }

            if (Output.Contains("Shop running at", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(250);
        }

        StartFailure = $"the stack was not ready within 4 minutes:\n{Output}";
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            // SIGTERM, not Process.Kill (SIGKILL): the script's trap must stop what it started.
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process?.Dispose();
        if (_stateDir is not null)
        {
            try
            {
                Directory.Delete(_stateDir, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // PostgreSQL files are owned by the postgres user; the temp folder is cleaned by the OS.
            }
        }
    }

    public void EnsureStarted() => Assert.True(StartFailure is null, StartFailure);

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class LocalStackCollection : ICollectionFixture<LocalStack>
{
    public const string Name = "local-stack";
}
