using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace KubeEmulator.Tests;

/// <summary>
/// "Protobuf encoding" (API Concepts): a body is <c>k8s\0</c> then a runtime.Unknown (1 TypeMeta{1 apiVersion,
/// 2 kind}, 2 raw). The emulator decodes the kinds <c>kubectl create</c> sends; another kind is 415.
/// </summary>
public sealed class ProtobufTests : IAsyncLifetime
{
    private EmulatorHost _emulator = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorHost.StartAsync(new EmulatorOptions(), CancellationToken.None);
        _http = new HttpClient { BaseAddress = _emulator.BaseUri };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _emulator.DisposeAsync();
    }

    private static byte[] LengthDelimited(int field, byte[] value) => [(byte)((field << 3) | 2), (byte)value.Length, .. value];

    private static byte[] Text(int field, string value) => LengthDelimited(field, Encoding.UTF8.GetBytes(value));

    private static byte[] Envelope(string apiVersion, string kind, byte[] raw) =>
        [(byte)'k', (byte)'8', (byte)'s', 0, .. LengthDelimited(1, [.. Text(1, apiVersion), .. Text(2, kind)]), .. LengthDelimited(2, raw)];

    private async Task<(HttpStatusCode Code, JsonObject Body)> PostAsync(string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.kubernetes.protobuf");
        using var response = await _http.PostAsync(new Uri(path, UriKind.Relative), content);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync()) as JsonObject ?? []);
    }

    [Fact]
    public async Task Protobuf_ConfigMap_body_is_decoded_and_stored()
    {
        // ConfigMap{1 metadata{1 name, 3 namespace ""}, 2 data{k: v}}
        byte[] raw = [.. LengthDelimited(1, [.. Text(1, "proto"), .. Text(3, "")]), .. LengthDelimited(2, [.. Text(1, "k"), .. Text(2, "v")])];

        var (code, body) = await PostAsync("/api/v1/namespaces/default/configmaps", Envelope("v1", "ConfigMap", raw));

        Assert.Equal(HttpStatusCode.Created, code);
        Assert.Equal("proto", body["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("default", body["metadata"]!["namespace"]!.GetValue<string>());
        Assert.Equal("v", body["data"]!["k"]!.GetValue<string>());
    }

    [Fact]
    public async Task Protobuf_An_unknown_kind_is_415_with_a_clear_message()
    {
        var (code, status) = await PostAsync("/api/v1/namespaces/default/pods", Envelope("v1", "Pod", Text(1, "x")));

        Assert.Equal((HttpStatusCode)415, code);
        Assert.Equal("UnsupportedMediaType", status["reason"]!.GetValue<string>());
        Assert.Contains("v1 Pod", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Protobuf_A_body_without_the_magic_number_is_415()
    {
        var (code, status) = await PostAsync("/api/v1/namespaces/default/configmaps", [1, 2, 3, 4, 5]);

        Assert.Equal((HttpStatusCode)415, code);
        Assert.Contains("k8s", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
