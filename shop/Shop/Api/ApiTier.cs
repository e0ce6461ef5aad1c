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
            throw new ShopConfigurationException("the api role needs a database: SHOP_DB_CONNECTION (an Npgsql connection string or a postgresql:// URI), or SHOP_DB_HOST, SHOP_DB_NAME, SHOP_DB_USER (or SHOP_DB_USERNAME), SHOP_DB_PASSWORD and optionally SHOP_DB_PORT and SHOP_DB_SSLMODE");
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

        // Bounded waits when the database hangs (accepts connections, never answers): connect 5 s, commands 10 s,
        // then the request gets a 503 instead of holding a connection for Npgsql's defaults (15 s, 30 s).
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = settings.DbConnection };
        if (!given.ContainsKey("Timeout"))
        {
            connection.Timeout = 5;
        }

        if (!given.ContainsKey("Command Timeout") && !given.ContainsKey("CommandTimeout"))
        {
            connection.CommandTimeout = 10;
        }

        if (!given.ContainsKey("Keepalive"))
        {
            connection.KeepAlive = 10;
        }

        // No session reset when a connection goes back to the pool: the reset is five statements (RESET ALL,
        // UNLISTEN, advisory unlock, ...) prepended to the next use, twice per order. The api leaves no session
        // state behind: no SET, LISTEN or temporary tables, and the migrator releases its advisory lock in a
        // finally; Npgsql still rolls back a transaction left open.
        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose"))
        {
            connection.NoResetOnClose = true;
        }

        builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connection.ConnectionString).Build());
        builder.Services.AddSingleton<Migrator>();
        builder.Services.AddSingleton<CatalogStore>();
        builder.Services.AddSingleton<CatalogResponseCache>();
        builder.Services.AddSingleton<CartStore>();
        builder.Services.AddSingleton<OrderStore>();
        builder.Services.AddSingleton<CartCleanup>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CartCleanup>());
        builder.Services.AddSingleton<ApiReadiness>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ApiReadiness>());
        builder.Services.AddHealthChecks().AddCheck<DatabaseReadyCheck>("database", tags: ["ready"]);
        builder.Services.ConfigureHttpJsonOptions(o => Json.Configure(o.SerializerOptions));
        builder.Services.AddApiDocument();
        return builder;
    }

    public static WebApplication MapApiTier(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = HandleExceptionAsync });
        app.UseStatusCodePages();
        var api = app.MapGroup("/api");
        api.MapCatalogApi();
        api.MapCartApi();
        api.MapOrdersApi();
        // Generated from the route tables on request; needs no database.
        app.MapOpenApi(ApiDocument.Path);
        // No fallback route: it would win over routing's 405 (a known path with another method), which
        // answers with Allow. Unknown paths and 405s get their problem+json body from UseStatusCodePages.
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
