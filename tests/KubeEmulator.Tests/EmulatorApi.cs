using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace KubeEmulator.Tests;

/// <summary>Raw HTTP against an in-process emulator, optionally with a bearer token (for RBAC).</summary>
internal sealed class EmulatorApi(EmulatorHost emulator, string? token = null) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = emulator.BaseUri };

    public EmulatorApi As(string bearer) => new(emulator, bearer);

    public async Task<(HttpStatusCode Code, JsonObject Body)> SendAsync(HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json")
    {
        var (code, text) = await SendTextAsync(method, path, body, contentType);
        return (code, (text.StartsWith('{') ? JsonNode.Parse(text) as JsonObject : null) ?? new JsonObject { ["text"] = text });
    }

    public async Task<(HttpStatusCode Code, string Text)> SendTextAsync(HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        using var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A 2xx answer's body; anything else fails the test with the answer.</summary>
    public async Task<JsonObject> OkAsync(HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json")
    {
        var (code, answer) = await SendAsync(method, path, body, contentType);
        Xunit.Assert.True((int)code is >= 200 and < 300, $"{method} {path}: {(int)code} {answer.ToJsonString()}");
        return answer;
    }

    public async Task<List<JsonObject>> ItemsAsync(string path) =>
        [.. ((await OkAsync(HttpMethod.Get, path))["items"] as JsonArray ?? []).OfType<JsonObject>()];

    public void Dispose() => _http.Dispose();
}
