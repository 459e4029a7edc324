using KubeHardenPortal.Data;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Migrations;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KubeHardenPortal.Testing;

/// <summary>
/// A fresh, migrated portal database on a <see cref="PostgresServer"/>, with the least-privilege roles, and
/// factories for contexts that connect as the application role (so row-level security really applies).
/// </summary>
public sealed class PortalDatabase : IAsyncDisposable
{
    public const string AppPassword = "test-app-password";
    public const string SystemPassword = "test-system-password";

    private PortalDatabase(PostgresServer server, string name)
    {
        Server = server;
        Name = name;
        var admin = new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = name };
        OwnerConnectionString = admin.ConnectionString;
        AppConnectionString = new NpgsqlConnectionStringBuilder(OwnerConnectionString)
            { Username = DatabaseRoles.App, Password = AppPassword, Pooling = true }.ConnectionString;
        SystemConnectionString = new NpgsqlConnectionStringBuilder(OwnerConnectionString)
            { Username = DatabaseRoles.System, Password = SystemPassword, Pooling = true }.ConnectionString;
    }

    public PostgresServer Server { get; }
    public string Name { get; }
    public string OwnerConnectionString { get; }
    public string AppConnectionString { get; }
    public string SystemConnectionString { get; }

    public static async Task<PortalDatabase> CreateAsync(PostgresServer server, CancellationToken cancellationToken = default)
    {
        var name = "khp_test_" + Guid.NewGuid().ToString("N")[..12];
        await using (var conn = new NpgsqlConnection(server.AdminConnectionString))
        {
            await conn.OpenAsync(cancellationToken);
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", conn);
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }

        var db = new PortalDatabase(server, name);
        await using (var ctx = DesignTimeDbContextFactory.Create(db.OwnerConnectionString))
        {
            await ctx.Database.MigrateAsync(cancellationToken);
        }

        await DatabaseRoles.EnsureAsync(db.OwnerConnectionString, AppPassword, SystemPassword, TextWriter.Null, cancellationToken);
        return db;
    }

    /// <summary>A context that connects as khp_app with the given tenant and user (null = none: fail closed).</summary>
    public PortalDbContext AppContext(Guid? tenantId, Guid? userId = null)
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>()
            .UseNpgsql(AppConnectionString)
            .UseSnakeCaseNamingConvention()
            .AddInterceptors(new TenantSaveChangesGuard(), new TenantRlsConnectionInterceptor())
            .Options;
        return new PortalDbContext(options) { CurrentTenantId = tenantId, CurrentUserId = userId };
    }

    /// <summary>A context as the owner (superuser in tests): bypasses RLS, for seeding and for assertions only.</summary>
    public PortalDbContext OwnerContext()
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>()
            .UseNpgsql(OwnerConnectionString)
            .UseSnakeCaseNamingConvention()
            .Options;
        return new PortalDbContext(options);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var conn = new NpgsqlConnection(Server.AdminConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
