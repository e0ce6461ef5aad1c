using System.Net;

namespace Shop.Hosting;

public sealed class ShopConfigurationException(string message) : Exception(message);

/// <summary>
/// The environment variables of docs/architecture.md, parsed once and validated. <see cref="DbConnection"/> is the
/// Npgsql connection string <see cref="DatabaseConnection.From"/> assembled; null when none is configured.
/// </summary>
public sealed record ShopSettings(IPAddress ListenAddress, int HttpPort, int MetricsPort, string? DbConnection, bool JsonLogs)
{
    /// <summary>
    /// Proxies whose X-Forwarded-For/-Proto are believed: loopback always (the local nginx), plus
    /// SHOP_TRUSTED_PROXIES (comma-separated addresses) and SHOP_TRUSTED_NETWORKS (comma-separated CIDRs, e.g.
    /// the ingress controller's pod network).
    /// </summary>
    public IReadOnlyList<IPNetwork> TrustedNetworks { get; init; } = [new(IPAddress.Loopback, 8), new(IPAddress.IPv6Loopback, 128)];

    /// <summary>
    /// SHOP_CATALOG_CACHE_SECONDS (0 to 60, default 5; 0 turns it off): how long the api keeps a public catalog
    /// answer (Api/CatalogResponseCache.cs). The same bound as the answers' <c>Cache-Control: max-age</c>.
    /// </summary>
    public TimeSpan CatalogCacheLifetime { get; init; } = TimeSpan.FromSeconds(DefaultCatalogCacheSeconds);

    public const int DefaultCatalogCacheSeconds = 5;

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
        // SHOP_DB_CONNECTION (Npgsql string or postgresql:// URI) or the SHOP_DB_* fields, as one Npgsql string.
        var db = DatabaseConnection.From(config);
        var trusted = new List<IPNetwork> { new(IPAddress.Loopback, 8), new(IPAddress.IPv6Loopback, 128) };
        foreach (var proxy in List(config["SHOP_TRUSTED_PROXIES"]))
        {
            trusted.Add(IPAddress.TryParse(proxy, out var ip)
                ? new IPNetwork(ip, ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
                : throw new ShopConfigurationException($"SHOP_TRUSTED_PROXIES: '{proxy}' is not an IP address"));
        }

        foreach (var network in List(config["SHOP_TRUSTED_NETWORKS"]))
        {
            trusted.Add(IPNetwork.TryParse(network, out var parsedNetwork)
                ? parsedNetwork
                : throw new ShopConfigurationException($"SHOP_TRUSTED_NETWORKS: '{network}' is not a CIDR network like 10.0.0.0/8"));
        }

        var cacheText = config["SHOP_CATALOG_CACHE_SECONDS"];
        var cacheSeconds = string.IsNullOrWhiteSpace(cacheText) ? DefaultCatalogCacheSeconds
            : int.TryParse(cacheText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds <= 60 ? seconds
            : throw new ShopConfigurationException($"SHOP_CATALOG_CACHE_SECONDS '{cacheText}' must be a whole number of seconds from 0 to 60");
        return new ShopSettings(address, httpPort, metricsPort, db, json)
        {
            TrustedNetworks = trusted,
            CatalogCacheLifetime = TimeSpan.FromSeconds(cacheSeconds),
        };
    }

    private static string[] List(string? text) =>
        (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

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
