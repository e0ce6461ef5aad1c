using System.Text.Json.Nodes;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Operator.Tests;

/// <summary>
/// The Lease endpoints of an API server and nothing else (get, create, replace with resourceVersion
/// conflicts), so leader election is tested by itself, including a server that can be made to fail.
/// </summary>
public sealed class LeaseServer : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly WebApplication _app;
    private JsonObject? _lease;
    private long _version = 1;

    private LeaseServer(WebApplication app)
    {
        _app = app;
    }

    public Uri BaseUri { get; private set; } = new("http://127.0.0.1");

    /// <summary>While true every request gets 503: a leader cannot renew.</summary>
    public bool Unavailable { get; set; }

    public string? Holder
    {
        get
        {
            lock (_gate)
            {
                return _lease?["spec"]?["holderIdentity"]?.GetValue<string>();
            }
        }
    }

    public static async Task<LeaseServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new LeaseServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.BaseUri = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return server;
    }

    public Kubernetes Client() => new(new KubernetesClientConfiguration { Host = BaseUri.ToString() });

    private async Task HandleAsync(HttpContext context)
    {
        if (Unavailable)
        {
            context.Response.StatusCode = 503;
            return;
        }

        JsonObject? body = null;
        if (context.Request.ContentLength is > 0 || context.Request.Method is "POST" or "PUT")
        {
            body = await JsonNode.ParseAsync(context.Request.Body) as JsonObject;
        }

        int status;
        JsonObject? answer;
        lock (_gate)
        {
            (status, answer) = context.Request.Method switch
            {
                "GET" => _lease is null ? (404, Status(404, "NotFound")) : (200, _lease),
                "POST" => _lease is not null ? (409, Status(409, "AlreadyExists")) : (201, Store(body!)),
                "PUT" when _lease is null => (404, Status(404, "NotFound")),
                "PUT" when body?["metadata"]?["resourceVersion"]?.GetValue<string>() != _lease!["metadata"]!["resourceVersion"]!.GetValue<string>()
                    => (409, Status(409, "Conflict")),
                "PUT" => (200, Store(body!)),
                _ => (405, Status(405, "MethodNotAllowed")),
            };
            answer = (JsonObject?)answer?.DeepClone();
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer?.ToJsonString() ?? "{}");
    }

    private JsonObject Store(JsonObject lease)
    {
        lease["metadata"]!["resourceVersion"] = (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _lease = lease;
        return lease;
    }

    private static JsonObject Status(int code, string reason) =>
        new() { ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Failure", ["code"] = code, ["reason"] = reason, ["message"] = reason };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
