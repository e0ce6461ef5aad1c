using ShopOperator.Model;
using ShopOperator.Model.Specs;
using Xunit;

namespace OperatorModel.Tests;

/// <summary>Issue 16: which keys of a connection Secret the shop needs, as DatabaseReady names the missing ones.</summary>
public sealed class DatabaseSecretTests
{
    // The keys of CloudNativePG's <cluster>-app and Crunchy PGO's <cluster>-pguser-<user> Secrets.
    private static readonly string[] Cnpg = ["username", "password", "host", "port", "dbname", "uri", "jdbc-uri", "pgpass", "user"];
    private static readonly string[] Crunchy = ["host", "port", "dbname", "user", "password", "uri", "jdbc-uri", "verifier"];

    private static readonly SecretKeyRef Fields = new() { Name = "shop-pg-app", Format = ConnectionSecretFormat.Fields };

    [Fact]
    public void CloudNativePG_and_Crunchy_Secrets_have_every_field()
    {
        Assert.Empty(DatabaseSecret.MissingKeys(Fields, Cnpg));
        Assert.Empty(DatabaseSecret.MissingKeys(Fields, Cnpg.Where(k => k != "user").ToList()));
        Assert.Empty(DatabaseSecret.MissingKeys(Fields, Crunchy));
        Assert.Empty(DatabaseSecret.MissingKeys(new SecretKeyRef { Name = "shop-pg-app", Key = "uri" }, Crunchy));
    }

    [Fact]
    public void Each_missing_required_field_is_named_and_optional_ones_are_not()
    {
        Assert.Equal(["password"], DatabaseSecret.MissingKeys(Fields, Cnpg.Where(k => k != "password").ToList()));
        Assert.Equal(["user or username", "password"], DatabaseSecret.MissingKeys(Fields, ["host", "dbname"]));
        Assert.Equal(["host", "dbname", "user or username", "password"], DatabaseSecret.MissingKeys(Fields, []));
        Assert.Empty(DatabaseSecret.MissingKeys(Fields, ["host", "dbname", "user", "password"]));
        Assert.Equal(["connectionString"], DatabaseSecret.MissingKeys(new SecretKeyRef { Name = "shop-db" }, Cnpg));
    }

    [Fact]
    public void The_planner_names_a_missing_field_in_DatabaseReady()
    {
        var shop = Specs.Valid().With("spec.database.connectionSecretRef", new System.Text.Json.Nodes.JsonObject { ["name"] = "shop-pg-app", ["format"] = "Fields" });
        var plan = ShopPlanner.Plan(new PlanRequest(ParsedShop.Parse(shop), null, null, null, DateTimeOffset.UnixEpoch, MissingSecrets: [new MissingSecret("shop-pg-app", "password")]));
        var condition = plan.Status.Conditions!.Single(c => c.Type == ConditionSet.DatabaseReady);
        Assert.Equal(ReadyReasons.SecretMissing, condition.Reason);
        Assert.Equal("Secret shop-pg-app (spec.database.connectionSecretRef) has no key password; the shop heals when it is created", condition.Message);
        Assert.Equal(["host", "port", "dbname", "user", "username", "password", "sslmode"], ShopPlanner.ReferencedSecrets(ShopInstance.FromJson(shop)).Single().Keys);
    }
}
