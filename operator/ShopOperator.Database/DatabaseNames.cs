using System.Security.Cryptography;
using System.Text;

namespace ShopOperator.Database;

/// <summary>
/// The PostgreSQL database and role of one shop. <see cref="For"/> derives them from the ShopInstance's namespace
/// and name; the constructor accepts any names PostgreSQL can hold (1-63 bytes of UTF-8, no NUL), because every
/// statement quotes them. Names longer than 63 bytes are refused rather than left to PostgreSQL, which would
/// silently truncate them and then never find the object under its full name again.
/// </summary>
public sealed record DatabaseNames
{
    public const int MaxIdentifierBytes = 63;
    private const string Prefix = "shop_";
    private const int HashChars = 12;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public DatabaseNames(string database, string role)
    {
        Validate(database, nameof(database));
        Validate(role, nameof(role));
        Database = database;
        Role = role;
    }

    public string Database { get; }

    public string Role { get; }

    /// <summary>
    /// <c>shop_&lt;namespace&gt;_&lt;name&gt;_&lt;hash&gt;</c>, lower-case <c>[a-z0-9_]</c>, at most 63 bytes, for both the
    /// database and the role (they live in separate catalogs). The readable part is lossy (<c>-</c>, <c>.</c> and
    /// anything else become <c>_</c>, long names are cut), so uniqueness comes from the 48-bit hash of the exact
    /// <c>namespace/name</c>: <c>a-b/c</c> and <c>a/b-c</c> read alike but hash apart. A slash cannot occur in
    /// either Kubernetes name, so the hashed string is unambiguous.
    /// </summary>
    public static DatabaseNames For(string @namespace, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{@namespace}/{name}")))[..HashChars];
        var readable = Sanitize($"{@namespace}_{name}");
        var room = MaxIdentifierBytes - Prefix.Length - 1 - HashChars;
        if (readable.Length > room)
        {
            readable = readable[..room];
        }

        var identifier = $"{Prefix}{readable}_{hash}";
        return new DatabaseNames(identifier, identifier);
    }

    /// <summary>A double-quoted identifier with embedded quotes doubled: safe for any name the constructor accepts.</summary>
    public static string QuoteIdentifier(string identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        return "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    private static string Sanitize(string raw)
    {
        var builder = new StringBuilder(raw.Length);
        foreach (var c in raw.ToLowerInvariant())
        {
            builder.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? c : '_');
        }

        return builder.ToString();
    }

    private static void Validate(string value, string parameter)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, parameter);
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("a PostgreSQL identifier cannot contain NUL", parameter);
        }

        int bytes;
        try
        {
            bytes = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException("a PostgreSQL identifier must be valid Unicode (no lone surrogates)", parameter);
        }

        if (bytes > MaxIdentifierBytes)
        {
            throw new ArgumentException($"a PostgreSQL identifier is at most {MaxIdentifierBytes} bytes of UTF-8", parameter);
        }
    }
}
