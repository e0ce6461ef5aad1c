using System.Collections.Concurrent;
using System.Diagnostics;
using k8s;

namespace Operator.Tests;

/// <summary>
/// <c>shop-operator run</c> as its own process (the build next to the tests), configured only through the
/// contract's environment variables, so its memory is measured without the emulator in the same process.
/// </summary>
public sealed class OperatorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _kubeconfig;

    private OperatorProcess(Process process, string kubeconfig, int port)
    {
        _process = process;
        _kubeconfig = kubeconfig;
        HttpAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri HttpAddress { get; }

    public ConcurrentQueue<string> Stdout { get; } = new();

    public ConcurrentQueue<string> Stderr { get; } = new();

    /// <summary>Resident set size of the operator process, in bytes.</summary>
    public long ResidentBytes
    {
        get
        {
            _process.Refresh();
            return _process.WorkingSet64;
        }
    }

    public static OperatorProcess Start(KubernetesClientConfiguration cluster, IReadOnlyDictionary<string, string> env)
    {
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"operator-test-{Guid.NewGuid():N}.kubeconfig");
        File.WriteAllText(kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: test
              cluster: {"{"} server: "{cluster.Host}" {"}"}
            users:
            - name: test
              user: {"{"} token: not-a-secret-test-token {"}"}
            contexts:
            - name: test
              context: {"{"} cluster: test, user: test {"}"}
            current-context: test
            """);
        var port = Ports.FreeTcpPort();
        var dll = Path.Combine(AppContext.BaseDirectory, "shop-operator.dll");
        var info = new ProcessStartInfo("dotnet", ["exec", dll, "run"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["KUBECONFIG"] = kubeconfig;
        info.Environment["OPERATOR_HTTP_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["ASPNETCORE_URLS"] = null;
        foreach (var (name, value) in env)
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start shop-operator");
        var op = new OperatorProcess(process, kubeconfig, port);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                op.Stdout.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                op.Stderr.Enqueue(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return op;
    }

    /// <summary>SIGTERM, as the kubelet stops a container; the exit code once the process ended within <paramref name="timeout"/>.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        File.Delete(_kubeconfig);
    }
}
