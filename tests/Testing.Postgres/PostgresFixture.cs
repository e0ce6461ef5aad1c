using Xunit;

namespace Testing.Postgres;

/// <summary>
/// One PostgreSQL server shared by the test classes of a collection. Test assemblies declare
/// <c>[CollectionDefinition(PostgresFixture.Collection)] class PostgresCollection : ICollectionFixture&lt;PostgresFixture&gt;</c>.
/// Each test class creates its own database with <see cref="PostgresServer.CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public const string Collection = "postgres";

    private PostgresServer? _server;

    public PostgresServer Server => _server ?? throw new InvalidOperationException("fixture not initialised");

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        _server = await PostgresServer.StartAsync(cts.Token);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
