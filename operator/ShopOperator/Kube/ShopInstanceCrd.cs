using System.Text.Json.Nodes;
using ShopOperator.Model;

namespace ShopOperator.Kube;

/// <summary>
/// The old entry point of the hand-written CRD, now forwarding to ShopOperator.Model's generator, so code
/// written against it (the emulator test harness) keeps compiling. New code uses <see cref="CrdGenerator"/>.
/// </summary>
public static class ShopInstanceCrd
{
    public const string DigestPattern = Patterns.DigestImage;
    public const string DnsPattern = Patterns.DnsSubdomain;

    public static JsonObject Build() => CrdGenerator.Build();
}
