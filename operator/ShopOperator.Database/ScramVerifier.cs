using System.Security.Cryptography;
using System.Text;

namespace ShopOperator.Database;

/// <summary>
/// The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802/7677, PostgreSQL's
/// <c>scram_build_secret</c>), computed here as libpq's <c>PQencryptPasswordConn</c> and psql's <c>\password</c> do.
/// Sending the verifier instead of the password keeps the password itself out of the statement text, hence out
/// of the server log (<c>log_statement = ddl</c>), <c>pg_stat_activity</c> and <c>pg_stat_statements</c>.
/// </summary>
internal static class ScramVerifier
{
    private const int Iterations = 4096;

    public static string Compute(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        // SASLprep is the identity on printable ASCII, the only input EnsureAsync accepts.
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        return $"SCRAM-SHA-256${Iterations}:{Convert.ToBase64String(salt)}${Convert.ToBase64String(storedKey)}:{Convert.ToBase64String(serverKey)}";
    }

    public static bool IsAcceptedPassword(string password) =>
        password.Length > 0 && password.All(c => c is >= ' ' and <= '~');
}
