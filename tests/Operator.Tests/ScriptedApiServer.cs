using System.Collections.Concurrent;
using System.Threading.Channels;
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
/// An HTTP server on 127.0.0.1 whose every answer is written by the test, one request at a time, to drive
/// the informer through exact sequences (stream end, 410 inside a stream, 410 status, 500).
/// </summary>
public sealed class ScriptedApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<(HttpContext Context, TaskCompletionSource Done)> _requests = Channel.CreateUnbounded<(HttpContext, TaskCompletionSource)>();

    private ScriptedApiServer(WebApplication app)
    {
        _app = app;
    }

    public ConcurrentQueue<string> Log { get; } = new();

    public Uri BaseUri { get; private set; } = new("http://127.0.0.1");

    public static async Task<ScriptedApiServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new ScriptedApiServer(app);
        app.Run(async context =>
        {
            server.Log.Enqueue(context.Request.Method + " " + context.Request.Path + context.Request.QueryString);
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await server._requests.Writer.WriteAsync((context, done));
            await done.Task.WaitAsync(context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUri = new Uri(address);
        return server;
    }

    public Kubernetes Client() => new(new KubernetesClientConfiguration { Host = BaseUri.ToString() });

    /// <summary>Waits for the next request and lets <paramref name="answer"/> write its response.</summary>
    public async Task<string> AnswerAsync(Func<HttpContext, Task> answer)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var (context, done) = await _requests.Reader.ReadAsync(cts.Token);
        try
        {
            await answer(context);
        }
        finally
        {
            done.TrySetResult();
        }

        return context.Request.Method + " " + context.Request.Path + context.Request.QueryString;
    }

    /// <summary>Starts a watch answer that stays open: the returned writer sends lines; completing it ends the stream.</summary>
    public async Task<(string Request, Channel<string> Lines)> OpenWatchAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var (context, done) = await _requests.Reader.ReadAsync(cts.Token);
        var lines = Channel.CreateUnbounded<string>();
        _ = Task.Run(async () =>
        {
            try
            {
                context.Response.ContentType = "application/json";
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await foreach (var line in lines.Reader.ReadAllAsync(context.RequestAborted))
                {
                    await context.Response.WriteAsync(line + "\n", context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                }
            }
            catch (OperationCanceledException)
            {
                // Client went away.
            }
            finally
            {
                done.TrySetResult();
            }
        });
        return (context.Request.Method + " " + context.Request.Path + context.Request.QueryString, lines);
    }

    public async ValueTask DisposeAsync()
    {
        _requests.Writer.TryComplete();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
