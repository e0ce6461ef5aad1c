using Microsoft.Extensions.Logging;
using ShopOperator;

namespace Operator.Tests;

/// <summary>
/// shop-operator's command line: help that lists commands, flags and every environment variable with its default
/// without starting anything; --version; unknown flags and commands exit 2; the log level from a flag or a variable.
/// </summary>
public sealed class CommandLineTests
{
    private static async Task<(int Exit, string Stdout, string Stderr, OperatorOptions? Started)> RunAsync(string[] args, Dictionary<string, string>? env = null)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        OperatorOptions? started = null;
        var exit = await Cli.MainAsync(args, stdout, stderr, name => env?.GetValueOrDefault(name), options =>
        {
            started = options;
            return Task.FromResult(0);
        });
        return (exit, stdout.ToString(), stderr.ToString(), started);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public async Task Help_lists_commands_flags_and_every_environment_variable_with_its_default(string flag)
    {
        var (exit, stdout, _, started) = await RunAsync([flag]);
        Assert.Equal(0, exit);
        Assert.Null(started);
        foreach (var expected in new[] { "run", "render -f FILE", "crd", "--version", "--log-level LEVEL", "--help" })
        {
            Assert.Contains(expected, stdout, StringComparison.Ordinal);
        }

        Assert.Equal(12, OperatorOptions.Variables.Count);
        foreach (var (name, value, _) in OperatorOptions.Variables)
        {
            Assert.Contains(name, stdout, StringComparison.Ordinal);
            Assert.Contains("default: " + value, stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_variable_the_operator_reads_is_in_the_help_table()
    {
        var read = new HashSet<string>(StringComparer.Ordinal);
        OperatorOptions.FromEnvironment(name =>
        {
            read.Add(name);
            return null;
        });
        read.Remove("KUBERNETES_SERVICE_HOST"); // set by the kubelet, not by the user
        var documented = OperatorOptions.Variables.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        Assert.Empty(read.Except(documented));
    }

    [Theory]
    [InlineData("run")]
    [InlineData("render")]
    [InlineData("crd")]
    public async Task Command_help_prints_without_starting_anything(string command)
    {
        var (exit, stdout, stderr, started) = await RunAsync([command, "--help"]);
        Assert.Equal(0, exit);
        Assert.Null(started);
        Assert.Equal("", stderr);
        Assert.StartsWith("Usage: shop-operator " + command, stdout, StringComparison.Ordinal);
        if (command == "run")
        {
            Assert.Contains("OPERATOR_LOG_LEVEL", stdout, StringComparison.Ordinal);
            Assert.Contains("OPERATOR_METRICS_SECURE", stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Version_prints_the_version_and_the_commit()
    {
        var (exit, stdout, _, started) = await RunAsync(["--version"]);
        Assert.Equal(0, exit);
        Assert.Null(started);
        Assert.Matches(@"^shop-operator \d+\.\d+\.\d+\S* \(commit (unknown|[0-9a-f]{7,40})\)\s*$", stdout);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("run", "--bogus")]
    [InlineData("crd", "--watch")]
    [InlineData("render", "--bogus")]
    [InlineData("deploy")]
    [InlineData("run", "--log-level")]
    [InlineData("--log-level", "verbose")]
    [InlineData("--log-level", "None")]
    public async Task An_unknown_flag_command_or_bad_value_exits_2_with_a_message(params string[] args)
    {
        var (exit, stdout, stderr, started) = await RunAsync(args);
        Assert.Equal(2, exit);
        Assert.Null(started);
        Assert.Equal("", stdout);
        Assert.StartsWith("shop-operator: ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_log_level_comes_from_the_flag_over_the_variable()
    {
        Assert.Equal(LogLevel.Information, (await RunAsync([])).Started!.LogLevel);
        Assert.Equal(LogLevel.Warning, (await RunAsync(["run"], new() { ["OPERATOR_LOG_LEVEL"] = "warning" })).Started!.LogLevel);
        Assert.Equal(LogLevel.Debug, (await RunAsync(["run", "--log-level", "Debug"], new() { ["OPERATOR_LOG_LEVEL"] = "Warning" })).Started!.LogLevel);
        Assert.Equal(LogLevel.Trace, (await RunAsync(["--log-level=trace"])).Started!.LogLevel);
    }

    [Fact]
    public async Task Metrics_are_secure_by_default_in_a_cluster_and_plain_outside()
    {
        var outside = (await RunAsync([])).Started!;
        Assert.False(outside.MetricsSecure);
        var inCluster = (await RunAsync([], new() { ["KUBERNETES_SERVICE_HOST"] = "10.96.0.1" })).Started!;
        Assert.True(inCluster.MetricsSecure);
        Assert.Equal(8443, inCluster.MetricsPort);
        Assert.Equal("/tmp/k8s-metrics-server/metrics-certs", inCluster.MetricsCertDir);
        var overridden = (await RunAsync([], new() { ["KUBERNETES_SERVICE_HOST"] = "10.96.0.1", ["OPERATOR_METRICS_SECURE"] = "false", ["OPERATOR_METRICS_PORT"] = "9443" })).Started!;
        Assert.False(overridden.MetricsSecure);
        Assert.Equal(9443, overridden.MetricsPort);
        Assert.Equal(2, (await RunAsync([], new() { ["OPERATOR_METRICS_SECURE"] = "yes" })).Exit);
    }
}
