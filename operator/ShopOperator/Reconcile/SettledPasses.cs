using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using ShopOperator.Kube;
using ShopOperator.Runtime;

namespace ShopOperator.Reconcile;

/// <summary>
/// The inputs of the last pass that found a shop settled (Ready, nothing in progress, nothing refused), so that the
/// next pass over the very same inputs (a resync) can end at once instead of building every desired object again.
/// </summary>
/// <remarks>
/// A pass reads only the cache: the ShopInstance, the children it controls and the Secrets it references. Their
/// resourceVersions are the inputs (read unparsed); any change to any of them (an edit, a deletion, a drifted child,
/// our own status write) gives a new resourceVersion, so such a pass is never skipped and drift is still repaired.
/// Only passes that ended Ready=True with no requeue are remembered: those are the ones whose outcome depends on
/// nothing else (no deadline, no pods, no foreign object, no database server: <c>spec.database.provision</c> is
/// never remembered). Kept in memory: a restarted operator does one full pass per shop.
/// </remarks>
public sealed class SettledPasses
{
    // The inputs' SHA-256, first 16 bytes: the inputs string is ~500 characters per shop (1 MiB at 1,000 shops), and
    // only equality is ever asked of it.
    private readonly ConcurrentDictionary<string, UInt128> _settled = new(StringComparer.Ordinal);

    public int Count => _settled.Count;

    /// <summary>What a pass over <paramref name="shop"/> reads, as one string of kinds, names and resourceVersions.</summary>
    public static string Inputs(ClusterCache cache, IEnumerable<ResourceKind> owned, JsonObject shop, string ns, string name)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(owned);
        ArgumentNullException.ThrowIfNull(shop);
        var inputs = new StringBuilder(512);
        inputs.Append(Informer.ResourceVersionOf(shop)).Append('|').Append((string?)shop["metadata"]?["uid"]);
        foreach (var kind in owned)
        {
            inputs.Append('|').Append(kind.Plural).Append(':');
            foreach (var (key, version) in cache.VersionsOwnedBy(kind, ns, name).OrderBy(v => v.Key, StringComparer.Ordinal))
            {
                inputs.Append(key).Append('=').Append(version).Append(',');
            }
        }

        foreach (var secret in new[] { ShopController.ConnectionSecret(shop)?.Name, ShopController.AdminSecret(shop) })
        {
            if (secret is not null)
            {
                inputs.Append("|secret:").Append(secret).Append('=').Append(cache.VersionOf(ResourceKind.Secret, ns, secret) ?? "-");
            }
        }

        return inputs.ToString();
    }

    /// <summary>The last settled pass of <paramref name="key"/> read exactly <paramref name="inputs"/>.</summary>
    public bool IsSettled(string key, string inputs) => _settled.TryGetValue(key, out var last) && last == Digest(inputs);

    public void Record(string key, string inputs) => _settled[key] = Digest(inputs);

    public void Forget(string key) => _settled.TryRemove(key, out _);

    private static UInt128 Digest(string inputs)
    {
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(inputs), hash);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(hash);
    }
}
