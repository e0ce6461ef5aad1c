using ShopOperator;

namespace Operator.Tests;

public sealed class OperatorOptionsTests
{
    [Fact]
    public void Reads_the_contract_variables()
    {
        var env = new Dictionary<string, string>
        {
            ["WATCH_NAMESPACES"] = "shop-dev, shop-prod,,",
            ["LEADER_ELECTION_NAMESPACE"] = "shop-system",
            ["POD_NAME"] = "shop-operator-7d9f-abcde",
            ["OPERATOR_WORKERS"] = "8",
            ["OPERATOR_HTTP_PORT"] = "9091",
            ["OPERATOR_LISTEN_ADDRESS"] = "127.0.0.1",
        };

        var options = OperatorOptions.FromEnvironment(env.GetValueOrDefault);

        Assert.Equal(["shop-dev", "shop-prod"], options.WatchNamespaces);
        Assert.Equal("shop-system", options.LeaderElection.Namespace);
        Assert.True(options.LeaderElection.Enabled);
        Assert.Equal("shop-operator-7d9f-abcde", options.LeaderElection.Identity);
        Assert.Equal(8, options.Workers);
        Assert.Equal(9091, options.HttpPort);
        Assert.Equal("127.0.0.1", options.ListenAddress);
    }

    [Fact]
    public void Defaults_watch_everything_on_port_8080_without_election()
    {
        var options = OperatorOptions.FromEnvironment(_ => null);

        Assert.Empty(options.WatchNamespaces);
        Assert.False(options.LeaderElection.Enabled);
        Assert.Equal(8080, options.HttpPort);
        Assert.Equal("0.0.0.0", options.ListenAddress);
        Assert.Equal(4, options.Workers);
    }

    [Theory]
    [InlineData(null, 600)]
    [InlineData("30s", 30)]
    [InlineData("45", 45)]
    [InlineData("10m", 600)]
    [InlineData("1h", 3600)]
    public void The_resync_period_is_read_in_seconds_minutes_or_hours(string? value, int seconds)
    {
        var options = OperatorOptions.FromEnvironment(n => n == "OPERATOR_RESYNC_PERIOD" ? value : null);

        Assert.Equal(TimeSpan.FromSeconds(seconds), options.ResyncPeriod);
    }

    [Theory]
    [InlineData("OPERATOR_WORKERS", "zero")]
    [InlineData("OPERATOR_WORKERS", "0")]
    [InlineData("OPERATOR_HTTP_PORT", "-1")]
    [InlineData("OPERATOR_LISTEN_ADDRESS", "localhost:8080")]
    [InlineData("OPERATOR_RESYNC_PERIOD", "0s")]
    [InlineData("OPERATOR_RESYNC_PERIOD", "1.5m")]
    [InlineData("OPERATOR_RESYNC_PERIOD", "10x")]
    [InlineData("OPERATOR_RESYNC_PERIOD", "-30")]
    public void A_bad_value_is_a_clear_error_naming_the_variable(string name, string value)
    {
        var e = Assert.Throws<ArgumentException>(() => OperatorOptions.FromEnvironment(n => n == name ? value : null));
        Assert.Contains(name, e.Message);
    }
}
