using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;
using Shop.Data;
using Shop.Hosting;

namespace Shop.Api;

/// <summary>The api role: JSON under /api, PostgreSQL behind it, migrations and warm-up before ready.</summary>
public static class ApiTier
{
    public static WebApplicationBuilder AddApiTier(this WebApplicationBuilder builder, ShopSettings settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.DbConnection is null)
        {
            throw new ShopConfigurationException("SHOP_DB_CONNECTION is required for the api role");
        }

        NpgsqlConnectionStringBuilder connection;
        try
        {
            connection = new NpgsqlConnectionStringBuilder(settings.DbConnection);
        }
        catch (ArgumentException)
        {
            // Not the message: it may quote the password.
            throw new ShopConfigurationException("SHOP_DB_CONNECTION is not a valid Npgsql connection string");
        }

        // Automatic preparation: the hot statements are prepared once per physical connection.
        if (connection.MaxAutoPrepare == 0)
        {
            connection.MaxAutoPrepare = 64;
        }

        connection.Multiplexing = false;
        builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connection.ConnectionString).Build());
        builder.Services.AddSingleton<Migrator>();
        builder.Services.AddSingleton<CatalogStore>();
        builder.Services.AddSingleton<CartStore>();
        builder.Services.AddSingleton<OrderStore>();
        builder.Services.AddSingleton<ApiReadiness>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ApiReadiness>());
        builder.Services.AddHealthChecks().AddCheck<DatabaseReadyCheck>("database", tags: ["ready"]);
        builder.Services.ConfigureHttpJsonOptions(o => Json.Configure(o.SerializerOptions));
        return builder;
    }

    public static WebApplication MapApiTier(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = HandleExceptionAsync });
        app.UseStatusCodePages();
        var api = app.MapGroup("/api");
        api.MapCatalogApi();
        CartEndpoints.Map(api);
        OrderEndpoints.Map(api);
        // Unknown /api paths answer problem+json too, never the web tier's HTML.
        api.MapFallback(() => Problems.NotFound("No such api endpoint."));
        return app;
    }

    private static async Task HandleExceptionAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var (status, detail) = error switch
        {
            BadHttpRequestException bad => (bad.StatusCode, bad.Message),
            JsonException => (StatusCodes.Status400BadRequest, "The request body is not valid JSON."),
            NpgsqlException or TimeoutException => (StatusCodes.Status503ServiceUnavailable, "The database is not reachable right now. Please retry."),
            OperationCanceledException => (StatusCodes.Status503ServiceUnavailable, "The request was cancelled."),
            _ => (StatusCodes.Status500InternalServerError, "Unexpected error."),
        };
        await Problems.Create(status, detail).ExecuteAsync(context);
    }
}
