using System.Net;

namespace Shop.Hosting;

public sealed class ShopConfigurationException(string message) : Exception(message);

/// <summary>The environment variables of docs/architecture.md, parsed once and validated.</summary>
public sealed record ShopSettings(IPAddress ListenAddress, int HttpPort, int MetricsPort, string? DbConnection, bool JsonLogs)
{
    public static ShopSettings From(IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var listen = config["SHOP_LISTEN_ADDRESS"];
        var address = string.IsNullOrWhiteSpace(listen) ? IPAddress.Any
            : IPAddress.TryParse(listen, out var parsed) ? parsed
            : throw new ShopConfigurationException($"SHOP_LISTEN_ADDRESS '{listen}' is not an IP address");
        var httpPort = Port(config, "SHOP_HTTP_PORT", 8080);
        var metricsPort = Port(config, "SHOP_METRICS_PORT", 9090);
        if (httpPort == metricsPort)
        {
            throw new ShopConfigurationException("SHOP_HTTP_PORT and SHOP_METRICS_PORT must differ");
        }

        var format = config["SHOP_LOG_FORMAT"];
        var json = format switch
        {
            null or "" or "json" => true,
            "text" => false,
            _ => throw new ShopConfigurationException($"SHOP_LOG_FORMAT '{format}' must be json or text"),
        };
        var db = config["SHOP_DB_CONNECTION"];
        return new ShopSettings(address, httpPort, metricsPort, string.IsNullOrWhiteSpace(db) ? null : db, json);
    }

    private static int Port(IConfiguration config, string name, int fallback)
    {
        var text = config[name];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? port
            : throw new ShopConfigurationException($"{name} '{text}' is not a TCP port");
    }
}
