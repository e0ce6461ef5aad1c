using System.Diagnostics;
using System.Text;

namespace Shop.Tests;

/// <summary>
/// The shop (the Shop.dll built next to the tests) in a process of its own, with exactly the environment given:
/// for what a process reads once (HttpClient.DefaultProxy from HTTP_PROXY/NO_PROXY) or how it exits on bad
/// configuration. Inherited proxy and SHOP_ variables are removed first, so the machine's own settings never leak in.
/// </summary>
public sealed class ShopProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ShopProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

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

    public bool HasExited => _process.HasExited;

    public static ShopProcess Start(string role, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        // dotnet test sets DOTNET_HOST_PATH to the host that runs it; the same one runs the shop.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var psi = new ProcessStartInfo(dotnet, [Path.Combine(AppContext.BaseDirectory, "Shop.dll"), role])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var name in psi.Environment.Keys.ToList())
        {
            if (name.StartsWith("SHOP_", StringComparison.Ordinal) || name.EndsWith("_proxy", StringComparison.OrdinalIgnoreCase))
            {
                psi.Environment.Remove(name);
            }
        }

        foreach (var (name, value) in environment)
        {
            psi.Environment[name] = value;
        }

        return new ShopProcess(Process.Start(psi) ?? throw new InvalidOperationException("could not start the shop"));
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cts.Token);
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
