using Shop.Hosting;

// One build, three roles (docs/architecture.md): the first argument wins, else SHOP_ROLE.
var role = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("SHOP_ROLE");
var rest = args.Length > 0 ? args[1..] : args;
switch (role)
{
    case "migrate":
        return await MigrateCommand.RunAsync(rest, CancellationToken.None);
    case "api":
    case "web":
        WebApplication app;
        try
        {
            app = ShopApp.Build(role, rest);
        }
        catch (Exception e) when (e is ShopConfigurationException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"shop {role}: configuration error: {e.Message}");
            return 2;
        }

        try
        {
            await app.RunAsync();
        }
        catch (IOException e)
        {
            // Kestrel could not bind (the port is taken, or the address is not this host's): one line and exit 1,
            // not an unhandled exception (SIGABRT, exit 134) that a restart loop shows as a crash.
            await Console.Error.WriteLineAsync($"shop {role}: cannot listen: {e.Message}");
            return 1;
        }

        return 0;
    default:
        await Console.Error.WriteLineAsync(
            $"shop: unknown role '{role ?? "(none)"}'. Usage: Shop <web|api|migrate>, or set SHOP_ROLE.");
        return 2;
}
