using KubeHardenPortal.Migrations;
using KubeHardenPortal.Testing;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KubeHardenPortal.Data.Tests.Migrations;

/// <summary>The migrations project (STYLE.md §2.5): the snapshot matches the model, and the runner applies cleanly.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class MigrationTests(DatabaseFixture f)
{
    [Fact]
    public void NoPendingModelChanges()
    {
        // Fails when an entity or configuration changed without `dotnet ef migrations add` (migrations/README.md).
        using var db = DesignTimeDbContextFactory.Create(f.Db.OwnerConnectionString);
        Assert.False(db.Database.HasPendingModelChanges(), "the model differs from the last migration's snapshot: add a migration");
    }

    [Fact]
    public async Task MigrationsApplyCleanly_OnAFreshDatabase_AndAgainAsANoOp()
    {
        await using var fresh = await PortalDatabase.CreateEmptyAsync(f.Server);
        var passwords = new DatabaseRoles.Passwords(PortalDatabase.AppPassword, PortalDatabase.SystemPassword, PortalDatabase.JobsPassword);
        var output = new StringWriter();
        var errors = new StringWriter();
        Assert.Equal(0, await MigrationRunner.RunAsync(fresh.OwnerConnectionString, passwords, output, errors, CancellationToken.None));
        Assert.Equal("", errors.ToString());

        await using (var db = DesignTimeDbContextFactory.Create(fresh.OwnerConnectionString))
        {
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        }

        var again = new StringWriter();
        Assert.Equal(0, await MigrationRunner.RunAsync(fresh.OwnerConnectionString, passwords, again, errors, CancellationToken.None));
        Assert.Contains("0 pending migration(s)", again.ToString(), StringComparison.Ordinal);

        // The application role works on the fresh database straight away.
        await using var app = new NpgsqlConnection(fresh.AppConnectionString);
        await app.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM teams", app);
        Assert.Equal(0L, await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Runner_WithoutAConnectionString_ExitsNonZero()
    {
        var errors = new StringWriter();
        Assert.Equal(1, await MigrationRunner.RunAsync(null, new(null, null, null), TextWriter.Null, errors, CancellationToken.None));
        Assert.Contains("ConnectionStrings__Owner", errors.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runner_OnAMissingDatabase_ExitsNonZero_WithoutPrintingThePassword()
    {
        var missing = new NpgsqlConnectionStringBuilder(f.Server.AdminConnectionString)
            { Database = "khp_does_not_exist", Password = "s3cret-owner", Timeout = 5 }.ConnectionString;
        var errors = new StringWriter();
        // A missing database is not transient: no retries, a clear message, exit code 1.
        Assert.Equal(1, await MigrationRunner.RunAsync(missing, new(null, null, null), TextWriter.Null, errors, CancellationToken.None));
        Assert.Contains("khp_does_not_exist", errors.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-owner", errors.ToString(), StringComparison.Ordinal);
    }
}
