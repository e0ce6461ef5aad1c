using System.Globalization;
using System.Net;
using System.Text;
using Npgsql;

namespace Shop.Hosting;

/// <summary>
/// The api's (and migrate's) database connection from the environment, in the shapes other tools write:
/// <list type="bullet">
/// <item><c>SHOP_DB_CONNECTION</c>: an Npgsql connection string (<c>Host=…;Database=…</c>) or a libpq connection
/// URI (<c>postgresql://user:password@host:5432/dbname?sslmode=require</c>, the <c>uri</c> key of
/// CloudNativePG's and Crunchy PGO's Secrets), which Npgsql does not parse itself;</item>
/// <item>or one variable per field (a key-per-field Secret): <c>SHOP_DB_HOST</c>, <c>SHOP_DB_PORT</c>,
/// <c>SHOP_DB_NAME</c>, <c>SHOP_DB_USER</c> or <c>SHOP_DB_USERNAME</c>, <c>SHOP_DB_PASSWORD</c>,
/// <c>SHOP_DB_SSLMODE</c>.</item>
/// </list>
/// Both end as one Npgsql connection string. A bad value is a <see cref="ShopConfigurationException"/> whose
/// message names the variable and the part that is wrong, and never quotes a user name or password.
/// </summary>
public static class DatabaseConnection
{
    public const string ConnectionVariable = "SHOP_DB_CONNECTION";
    public const string HostVariable = "SHOP_DB_HOST";
    public const string PortVariable = "SHOP_DB_PORT";
    public const string NameVariable = "SHOP_DB_NAME";
    public const string UserVariable = "SHOP_DB_USER";
    public const string UsernameVariable = "SHOP_DB_USERNAME";
    public const string PasswordVariable = "SHOP_DB_PASSWORD";
    public const string SslModeVariable = "SHOP_DB_SSLMODE";

    private static readonly string[] FieldVariables = [HostVariable, PortVariable, NameVariable, UserVariable, UsernameVariable, PasswordVariable, SslModeVariable];

    private static readonly Dictionary<string, SslMode> SslModes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["disable"] = SslMode.Disable,
        ["allow"] = SslMode.Allow,
        ["prefer"] = SslMode.Prefer,
        ["require"] = SslMode.Require,
        ["verify-ca"] = SslMode.VerifyCA,
        ["verify-full"] = SslMode.VerifyFull,
    };

    /// <summary>The URI query parameters understood (libpq's names), each with the Npgsql keyword it sets.</summary>
    private static readonly Dictionary<string, string> UriParameters = new(StringComparer.Ordinal)
    {
        ["sslmode"] = "SSL Mode",
        ["sslrootcert"] = "Root Certificate",
        ["sslcert"] = "SSL Certificate",
        ["sslkey"] = "SSL Key",
        ["sslpassword"] = "SSL Password",
        ["connect_timeout"] = "Timeout",
        ["application_name"] = "Application Name",
        ["target_session_attrs"] = "Target Session Attributes",
        ["channel_binding"] = "Channel Binding",
        ["options"] = "Options",
    };

    /// <summary>
    /// The Npgsql connection string the environment names, or null when it names none (the web role).
    /// </summary>
    public static string? From(IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var connection = config[ConnectionVariable];
        var fields = FieldVariables.Where(v => !string.IsNullOrEmpty(config[v])).ToList();
        if (!string.IsNullOrWhiteSpace(connection))
        {
            if (fields.Count > 0)
            {
                throw new ShopConfigurationException($"set either {ConnectionVariable} or the SHOP_DB_HOST/PORT/NAME/USER/PASSWORD fields, not both (also set: {string.Join(", ", fields)})");
            }

            return FromConnectionString(connection);
        }

        return fields.Count == 0 ? null : FromFields(
            config[HostVariable], config[PortVariable], config[NameVariable], config[UserVariable], config[UsernameVariable], config[PasswordVariable], config[SslModeVariable]);
    }

    /// <summary><c>SHOP_DB_CONNECTION</c>: a <c>postgresql://</c> or <c>postgres://</c> URI, else an Npgsql connection string.</summary>
    public static string FromConnectionString(string connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var text = connection.Trim();
        if (text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase))
        {
            return FromUri(text);
        }

        if (text.Contains("://", StringComparison.Ordinal))
        {
            throw new ShopConfigurationException($"{ConnectionVariable} is a URI of another scheme: use postgresql:// (or postgres://), or an Npgsql connection string (Host=…;Database=…)");
        }

        try
        {
            return new NpgsqlConnectionStringBuilder(text).ConnectionString;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // Not the exception's message: it may quote the password.
            throw new ShopConfigurationException($"{ConnectionVariable} is neither a postgresql:// URI nor a valid Npgsql connection string (Host=…;Database=…;Username=…;Password=…)");
        }
    }

    /// <summary>
    /// A libpq connection URI, <c>postgresql://[user[:password]@][host[:port][,host[:port]…]][/dbname][?name=value[&amp;…]]</c>
    /// (PostgreSQL docs, 32.1.1.2), parsed strictly: percent-encoding must be well formed and decode to UTF-8
    /// without control characters, an <c>@</c>, <c>/</c> or <c>:</c> inside a user name or password must be
    /// percent-encoded, ports are 1..65535, and only the parameters of <see cref="UriParameters"/> are accepted.
    /// </summary>
    public static string FromUri(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        const string What = ConnectionVariable + " (postgresql:// URI)";
        if (uri.Any(c => c is <= ' ' or > '~'))
        {
            throw new ShopConfigurationException($"{What} contains a space, a control or a non-ASCII character: percent-encode it (%20, %C3%A9, ...)");
        }

        if (uri.Contains('#', StringComparison.Ordinal))
        {
            throw new ShopConfigurationException($"{What} has a '#' fragment: a '#' in a password must be percent-encoded as %23");
        }

        var rest = uri[(uri.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var query = "";
        if (rest.IndexOf('?', StringComparison.Ordinal) is var q and >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }

        string? path = null;
        if (rest.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0)
        {
            path = rest[(slash + 1)..];
            rest = rest[..slash];
        }

        var builder = new NpgsqlConnectionStringBuilder();
        var authority = rest;
        if (authority.IndexOf('@', StringComparison.Ordinal) is var at and >= 0)
        {
            var userInfo = authority[..at];
            authority = authority[(at + 1)..];
            if (authority.Contains('@', StringComparison.Ordinal))
            {
                throw new ShopConfigurationException($"{What}: an '@' in the user name or password must be percent-encoded as %40");
            }

            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Decode(colon < 0 ? userInfo : userInfo[..colon], What, "the user name");
            if (user.Length > 0)
            {
                builder.Username = user;
            }

            if (colon >= 0)
            {
                builder.Password = Decode(userInfo[(colon + 1)..], What, "the password");
            }
        }

        SetHosts(builder, authority, What);
        if (path is not null)
        {
            if (path.Contains('/', StringComparison.Ordinal))
            {
                throw new ShopConfigurationException($"{What}: the database name is followed by another '/'; a '/' in the name must be percent-encoded as %2F");
            }

            var database = Decode(path, What, "the database name");
            if (database.Length > 0)
            {
                builder.Database = database;
            }
        }

        SetParameters(builder, query, What);
        return builder.ConnectionString;
    }

    /// <summary>A key-per-field Secret (CloudNativePG's <c>&lt;cluster&gt;-app</c>, Crunchy's <c>&lt;cluster&gt;-pguser-&lt;user&gt;</c>) as variables.</summary>
    public static string FromFields(string? host, string? port, string? database, string? user, string? username, string? password, string? sslMode)
    {
        var builder = new NpgsqlConnectionStringBuilder();
        host = host?.Trim();
        if (string.IsNullOrEmpty(host))
        {
            throw new ShopConfigurationException($"{HostVariable} is required with the SHOP_DB_* fields (the Secret's host key)");
        }

        builder.Host = ValidHost(host, HostVariable);
        if (!string.IsNullOrWhiteSpace(port))
        {
            builder.Port = ValidPort(port.Trim(), PortVariable);
        }

        database = database?.Trim();
        builder.Database = string.IsNullOrEmpty(database)
            ? throw new ShopConfigurationException($"{NameVariable} is required with the SHOP_DB_* fields (the Secret's dbname key)")
            : NoControl(database, NameVariable, "the database name");

        user = user?.Trim();
        username = username?.Trim();
        if (!string.IsNullOrEmpty(user) && !string.IsNullOrEmpty(username) && user != username)
        {
            // Not the names: which one is right is the reader's call, and both are in the Secret.
            throw new ShopConfigurationException($"{UserVariable} and {UsernameVariable} (the Secret's user and username keys) differ: keep one");
        }

        var name = string.IsNullOrEmpty(username) ? user : username;
        builder.Username = string.IsNullOrEmpty(name)
            ? throw new ShopConfigurationException($"{UserVariable} or {UsernameVariable} is required with the SHOP_DB_* fields (the Secret's user or username key)")
            : NoControl(name, string.IsNullOrEmpty(username) ? UserVariable : UsernameVariable, "the user name");

        // The password as written: a trailing space may be part of it.
        builder.Password = string.IsNullOrEmpty(password)
            ? throw new ShopConfigurationException($"{PasswordVariable} is required with the SHOP_DB_* fields (the Secret's password key)")
            : NoControl(password, PasswordVariable, "the password");
        if (!string.IsNullOrWhiteSpace(sslMode))
        {
            builder.SslMode = ParseSslMode(sslMode.Trim(), SslModeVariable);
        }

        return builder.ConnectionString;
    }

    private static void SetHosts(NpgsqlConnectionStringBuilder builder, string hostSpec, string what)
    {
        if (hostSpec.Length == 0)
        {
            throw new ShopConfigurationException($"{what} names no host (a Unix socket is not supported here): postgresql://user:password@host:5432/dbname");
        }

        var hosts = new List<(string Host, int? Port)>();
        foreach (var entry in hostSpec.Split(','))
        {
            string host;
            string? port = null;
            if (entry.StartsWith('['))
            {
                var close = entry.IndexOf(']', StringComparison.Ordinal);
                if (close < 0 || !IPAddress.TryParse(entry[1..close], out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
                {
                    throw new ShopConfigurationException($"{what}: a host in brackets must be an IPv6 address, e.g. [2001:db8::1]:5432");
                }

                host = v6.ToString();
                var after = entry[(close + 1)..];
                if (after.Length > 0)
                {
                    port = after.StartsWith(':') ? after[1..] : throw new ShopConfigurationException($"{what}: only ':port' may follow an IPv6 address in brackets");
                }
            }
            else
            {
                var colon = entry.IndexOf(':', StringComparison.Ordinal);
                host = Decode(colon < 0 ? entry : entry[..colon], what, "the host");
                port = colon < 0 ? null : entry[(colon + 1)..];
                if (host.Length == 0)
                {
                    throw new ShopConfigurationException($"{what}: an empty host in the host list");
                }

                host = ValidHost(host, what);
            }

            hosts.Add((host, port is null ? null : ValidPort(port, what)));
        }

        if (hosts.Count == 1)
        {
            builder.Host = hosts[0].Host;
            if (hosts[0].Port is { } single)
            {
                builder.Port = single;
            }

            return;
        }

        if (hosts.Any(h => h.Host.Contains(':', StringComparison.Ordinal)))
        {
            throw new ShopConfigurationException($"{what}: an IPv6 address is supported as the only host, not in a list of hosts");
        }

        // Npgsql's multi-host form: Host=a:5432,b:5433 (a host without a port gets Port, 5432 by default).
        builder.Host = string.Join(',', hosts.Select(h => h.Port is { } p ? $"{h.Host}:{p.ToString(CultureInfo.InvariantCulture)}" : h.Host));
    }

    private static void SetParameters(NpgsqlConnectionStringBuilder builder, string query, string what)
    {
        if (query.Length == 0)
        {
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pair in query.Split('&'))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ShopConfigurationException($"{what}: every query parameter must be name=value, joined by '&'");
            }

            var name = Decode(pair[..equals], what, "a parameter name");
            var value = Decode(pair[(equals + 1)..], what, $"parameter {name}");
            if (!UriParameters.TryGetValue(name, out var keyword))
            {
                throw new ShopConfigurationException($"{what}: parameter '{Shorten(name)}' is not supported; supported: {string.Join(", ", UriParameters.Keys)}");
            }

            if (!seen.Add(name))
            {
                throw new ShopConfigurationException($"{what}: parameter {name} is given twice");
            }

            switch (name)
            {
                case "sslmode":
                    builder.SslMode = ParseSslMode(value, $"{what}: parameter sslmode");
                    break;
                case "connect_timeout":
                    builder.Timeout = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= 1024
                        ? seconds
                        : throw new ShopConfigurationException($"{what}: parameter connect_timeout must be whole seconds, 0..1024");
                    break;
                case "target_session_attrs":
                    builder.TargetSessionAttributes = value is "any" or "read-write" or "read-only" or "primary" or "standby" or "prefer-standby"
                        ? value
                        : throw new ShopConfigurationException($"{what}: parameter target_session_attrs must be any, read-write, read-only, primary, standby or prefer-standby");
                    break;
                case "channel_binding":
                    builder.ChannelBinding = value switch
                    {
                        "disable" => ChannelBinding.Disable,
                        "prefer" => ChannelBinding.Prefer,
                        "require" => ChannelBinding.Require,
                        _ => throw new ShopConfigurationException($"{what}: parameter channel_binding must be disable, prefer or require"),
                    };
                    break;
                default:
                    builder[keyword] = value;
                    break;
            }
        }
    }

    /// <summary>libpq's sslmode values (as the URI and a Secret's sslmode key write them) as Npgsql's SslMode.</summary>
    private static SslMode ParseSslMode(string value, string what) =>
        SslModes.TryGetValue(value, out var mode)
            ? mode
            : throw new ShopConfigurationException($"{what} must be one of disable, allow, prefer, require, verify-ca, verify-full");

    /// <summary>A DNS name, an IP address (v4 or v6, without brackets) or an absolute Unix-socket folder; nothing else.</summary>
    private static string ValidHost(string host, string what)
    {
        if (IPAddress.TryParse(host, out var ip) && (host.Contains(':', StringComparison.Ordinal) || host.Count(c => c == '.') == 3))
        {
            return ip.ToString();
        }

        var dnsName = host.Length <= 253 && host.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_')
            && !host.StartsWith('.') && !host.StartsWith('-') && !host.Contains("..", StringComparison.Ordinal);
        return dnsName
            ? host
            : throw new ShopConfigurationException($"{what}: the host must be a DNS name or an IP address");
    }

    private static int ValidPort(string text, string what) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            ? port
            : throw new ShopConfigurationException($"{what}: the port must be a number from 1 to 65535");

    /// <summary>Strict percent-decoding: %XX with two hex digits, UTF-8, no control character; '+' stays '+' (not form encoding).</summary>
    private static string Decode(string text, string what, string part)
    {
        if (!text.Contains('%', StringComparison.Ordinal))
        {
            return NoControl(text, what, part);
        }

        var bytes = new List<byte>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '%')
            {
                bytes.Add((byte)text[i]);
                continue;
            }

            if (i + 2 >= text.Length || !char.IsAsciiHexDigit(text[i + 1]) || !char.IsAsciiHexDigit(text[i + 2]))
            {
                throw new ShopConfigurationException($"{what}: {part} has a '%' not followed by two hex digits (a literal '%' is %25)");
            }

            bytes.Add(byte.Parse(text.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
            i += 2;
        }

        string decoded;
        try
        {
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString([.. bytes]);
        }
        catch (DecoderFallbackException)
        {
            throw new ShopConfigurationException($"{what}: {part} does not decode to UTF-8");
        }

        return NoControl(decoded, what, part);
    }

    private static string NoControl(string value, string what, string part) =>
        value.Any(char.IsControl)
            ? throw new ShopConfigurationException($"{what}: {part} contains a control character")
            : value;

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
