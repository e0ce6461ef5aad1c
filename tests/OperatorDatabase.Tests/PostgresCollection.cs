using Testing.Postgres;
using Xunit;

namespace OperatorDatabase.Tests;

[CollectionDefinition(PostgresFixture.Collection)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>;
