using System.Text.RegularExpressions;
using Xunit;

namespace Shop.Tests.Api;

/// <summary>
/// Issue #12, "queries move next to the schema (Data/), and the stores stay behind the endpoints": every SQL
/// statement of the shop is in <c>shop/Shop/Data/</c> beside the migrations, and the endpoint classes reach the
/// database only through the stores.
/// </summary>
public sealed partial class SqlPlacementTests
{
    private static readonly string ShopDir = Path.Combine(Repo.Root, "shop", "Shop");

    public static TheoryData<string> SourcesOutsideData()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(ShopDir, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(ShopDir, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("Data/", StringComparison.Ordinal) && !f.StartsWith("obj/", StringComparison.Ordinal) && !f.StartsWith("bin/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal))
        {
            data.Add(file);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SourcesOutsideData))]
    public void No_sql_outside_Data(string file)
    {
        var text = File.ReadAllText(Path.Combine(ShopDir, file));
        var statements = Sql().Matches(text).Select(m => m.Value).ToList();
        Assert.True(statements.Count == 0, $"{file} holds SQL ({string.Join("; ", statements)}): move it to a *Queries class in shop/Shop/Data/.");
    }

    [Theory]
    [InlineData("Api/CatalogEndpoints.cs")]
    [InlineData("Api/CartEndpoints.cs")]
    [InlineData("Api/OrderEndpoints.cs")]
    public void Endpoints_reach_the_database_only_through_stores(string file)
    {
        var text = File.ReadAllText(Path.Combine(ShopDir, file));
        Assert.DoesNotContain("Npgsql", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Shop.Data", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_aggregate_has_its_queries_in_Data()
    {
        foreach (var name in new[] { "CatalogQueries.cs", "CartQueries.cs", "OrderQueries.cs" })
        {
            Assert.True(File.Exists(Path.Combine(ShopDir, "Data", name)), $"Data/{name} is missing");
        }
    }

    // A statement's head as it appears in a string literal: keywords in upper case, as the shop writes SQL.
    [GeneratedRegex(@"\b(SELECT\s+[\w*'(]|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|WITH\s+\w+\s+AS)")]
    private static partial Regex Sql();
}
