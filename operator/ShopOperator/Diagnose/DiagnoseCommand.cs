using System.Globalization;
using System.Net;
using k8s;
using ShopOperator.Kube;

namespace ShopOperator.Diagnose;

/// <summary>Options of <c>shop-operator diagnose</c> (also <c>kubectl shop diagnose</c>).</summary>
public sealed record DiagnoseOptions(string Name, string? Namespace, bool Json, TimeSpan Since, bool Probe, string? Kubeconfig, string? Context);

/// <summary>
/// <c>shop-operator diagnose NAME [-n NAMESPACE] [-o text|json] [--since 1h] [--probe] [--kubeconfig PATH] [--context NAME]</c>:
/// walks the seed's troubleshooting flow against the cluster with the user's kubeconfig, read-only. Exit 0 when no step
/// fails, 1 when one does (or the shop cannot be read), 2 for usage errors.
/// </summary>
public static class DiagnoseCommand
{
    public const string Usage = """
        usage: shop-operator diagnose NAME [-n NAMESPACE] [-o text|json] [--since DURATION] [--probe]
                                           [--kubeconfig PATH] [--context NAME]
          (as a kubectl plugin: kubectl shop diagnose NAME ...)

        Walks the troubleshooting flow for one ShopInstance, outside in, and names the first failing step:
          DNS, LoadBalancer, IngressRoutes, ServiceEndpoints, PodsReady, AppLogs, Resources, Dependencies, RecentChanges
        It only reads (RBAC: the ClusterRole shopinstance-diagnoser) and sends no traffic to the shop unless --probe.

          -n, --namespace   the ShopInstance's namespace (default: the kubeconfig context's, else "default")
          -o, --output      text (default) or json (a stable contract: docs/operations.md)
          --since           how far back RecentChanges looks, e.g. 30m, 1h, 2h30m (default 1h)
          --probe           also try a TCP connection to the load balancer on 443 and 80
          --kubeconfig      kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)
          --context         kubeconfig context (default: the current one)
        Exit codes: 0 no step fails, 1 a step fails or the shop cannot be read, 2 usage error.
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args is ["-h" or "--help"])
        {
            await stdout.WriteAsync(Usage + "\n");
            return 0;
        }

        if (Parse(args, out var error) is not { } options)
        {
            await stderr.WriteLineAsync("diagnose: " + error);
            await stderr.WriteLineAsync("run 'shop-operator diagnose --help' for the flags");
            return 2;
        }

        KubernetesClientConfiguration config;
        try
        {
            config = KubernetesClientConfiguration.BuildConfigFromConfigFile(options.Kubeconfig ?? Environment.GetEnvironmentVariable("KUBECONFIG"), options.Context);
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"diagnose: no usable kubeconfig ({e.Message}); set KUBECONFIG or pass --kubeconfig");
            return 1;
        }

        using var client = new Kubernetes(config);
        var ns = options.Namespace ?? (config.Namespace is { Length: > 0 } contextNamespace ? contextNamespace : "default");
        var reader = new SnapshotReader(new KubeApi(client), (host, token) => Dns.GetHostAddressesAsync(host, token), TimeProvider.System);
        return await RunAsync(reader, ns, options, stdout, stderr, ct);
    }

    /// <summary>The walk itself, with the cluster reader given (tests pass one on the emulator with a fixed resolver).</summary>
    public static async Task<int> RunAsync(SnapshotReader reader, string ns, DiagnoseOptions options, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ClusterSnapshot? snapshot;
        try
        {
            snapshot = await reader.ReadAsync(ns, options.Name, options.Since, options.Probe, ct);
        }
        catch (KubeApiException e)
        {
            await stderr.WriteLineAsync($"diagnose: cannot read ShopInstance {ns}/{options.Name}: {e.Message}");
            return 1;
        }
        catch (HttpRequestException e)
        {
            await stderr.WriteLineAsync($"diagnose: the API server does not answer: {e.Message}");
            return 1;
        }

        if (snapshot is null)
        {
            await stderr.WriteLineAsync($"diagnose: ShopInstance {options.Name} not found in namespace {ns} (kubectl get shop -A lists them)");
            return 1;
        }

        var diagnosis = DiagnosisSteps.Run(snapshot);
        await stdout.WriteAsync(options.Json ? DiagnosisRenderer.Json(diagnosis) : DiagnosisRenderer.Text(diagnosis));
        return diagnosis.ExitCode;
    }

    public static DiagnoseOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? name = null, ns = null, kubeconfig = null, context = null;
        var json = false;
        var probe = false;
        var since = TimeSpan.FromHours(1);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? Value()
            {
                var eq = arg.IndexOf('=', StringComparison.Ordinal);
                if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
                {
                    return arg[(eq + 1)..];
                }

                return i + 1 < args.Count ? args[++i] : null;
            }

            var flag = arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains('=', StringComparison.Ordinal) ? arg[..arg.IndexOf('=', StringComparison.Ordinal)] : arg;
            switch (flag)
            {
                case "-n" or "--namespace":
                    ns = Value();
                    if (string.IsNullOrEmpty(ns))
                    {
                        error = "-n needs a namespace";
                        return null;
                    }

                    break;
                case "-o" or "--output":
                    var output = Value();
                    if (output is not ("text" or "json"))
                    {
                        error = $"-o takes text or json, not '{output}'";
                        return null;
                    }

                    json = output == "json";
                    break;
                case "--since":
                    var text = Value() ?? "";
                    if (ParseDuration(text) is not { } parsed)
                    {
                        error = $"--since takes a duration such as 30m, 1h or 2h30m, not '{text}'";
                        return null;
                    }

                    since = parsed;
                    break;
                case "--probe":
                    probe = true;
                    break;
                case "--kubeconfig":
                    kubeconfig = Value();
                    break;
                case "--context":
                    context = Value();
                    break;
                default:
                    if (arg.StartsWith('-'))
                    {
                        error = $"unknown flag {arg}";
                        return null;
                    }

                    if (name is not null)
                    {
                        error = $"one ShopInstance at a time (got {name} and {arg})";
                        return null;
                    }

                    name = arg;
                    break;
            }
        }

        if (name is null)
        {
            error = "which ShopInstance? usage: shop-operator diagnose NAME -n NAMESPACE";
            return null;
        }

        error = null;
        return new DiagnoseOptions(name, ns, json, since, probe, kubeconfig, context);
    }

    /// <summary>Go-style durations as kubectl takes them: 90s, 30m, 1h, 2h30m, 1.5h.</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var total = TimeSpan.Zero;
        var rest = text.AsSpan();
        if (rest.IsEmpty)
        {
            return null;
        }

        while (!rest.IsEmpty)
        {
            var digits = 0;
            while (digits < rest.Length && (char.IsAsciiDigit(rest[digits]) || rest[digits] == '.'))
            {
                digits++;
            }

            if (digits == 0 || digits == rest.Length || !decimal.TryParse(rest[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            {
                return null;
            }

            var unit = rest[digits];
            total += unit switch
            {
                'h' => TimeSpan.FromHours((double)amount),
                'm' => TimeSpan.FromMinutes((double)amount),
                's' => TimeSpan.FromSeconds((double)amount),
                _ => TimeSpan.MinValue,
            };
            if (unit is not ('h' or 'm' or 's'))
            {
                return null;
            }

            rest = rest[(digits + 1)..];
        }

        return total > TimeSpan.Zero ? total : null;
    }
}
