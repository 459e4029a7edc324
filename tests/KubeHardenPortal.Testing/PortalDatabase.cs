using KubeHardenPortal.Data;
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
    public const string JobsPassword = "test-jobs-password";

    private readonly DbContextOptions<PortalDbContext> _appOptions;
    private readonly DbContextOptions<PortalDbContext> _systemOptions;
    private readonly DbContextOptions<PortalDbContext> _ownerOptions;

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
        JobsConnectionString = new NpgsqlConnectionStringBuilder(OwnerConnectionString)
            { Username = DatabaseRoles.Jobs, Password = JobsPassword, Pooling = true }.ConnectionString;
        // Built once: the same wiring as the hosts (PortalDataRegistration), so the tests exercise the real interceptors.
        _appOptions = PortalDataRegistration.Configure(new DbContextOptionsBuilder<PortalDbContext>(), AppConnectionString).Options;
        _systemOptions = PortalDataRegistration.Configure(new DbContextOptionsBuilder<PortalDbContext>(), SystemConnectionString).Options;
        _ownerOptions = PortalDataRegistration.ConfigureNpgsql(new DbContextOptionsBuilder<PortalDbContext>(), OwnerConnectionString).Options;
    }

    public PostgresServer Server { get; }
    public string Name { get; }
    public string OwnerConnectionString { get; }
    public string AppConnectionString { get; }
    public string SystemConnectionString { get; }
    public string JobsConnectionString { get; }

    public static async Task<PortalDatabase> CreateAsync(PostgresServer server, CancellationToken cancellationToken = default)
    {
        var db = await CreateEmptyAsync(server, cancellationToken);
        var exit = await MigrationRunner.RunAsync(db.OwnerConnectionString, new DatabaseRoles.Passwords(AppPassword, SystemPassword, JobsPassword),
            TextWriter.Null, Console.Error, cancellationToken);
        if (exit != 0)
        {
            throw new InvalidOperationException("the migration runner failed; see standard error");
        }

        return db;
    }

    /// <summary>A new, empty database (no migrations applied) — for tests of the migrator itself.</summary>
    public static async Task<PortalDatabase> CreateEmptyAsync(PostgresServer server, CancellationToken cancellationToken = default)
    {
        var name = "khp_test_" + Guid.NewGuid().ToString("N")[..12];
        await using var conn = new NpgsqlConnection(server.AdminConnectionString);
        await conn.OpenAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", conn);
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        return new PortalDatabase(server, name);
    }

    /// <summary>A context that connects as khp_app with the given tenant and user (null = none: fail closed).</summary>
    public PortalDbContext AppContext(Guid? tenantId, Guid? userId = null) =>
        new(_appOptions) { CurrentTenantId = tenantId, CurrentUserId = userId };

    /// <summary>A context as khp_system (BYPASSRLS, read-only): what the scheduler's cross-tenant query uses.</summary>
    public PortalDbContext SystemContext() => new(_systemOptions);

    /// <summary>
    /// A context as the owner — a superuser in tests, so it bypasses RLS and has no interceptors: for seeding and
    /// for assertions only, never to prove isolation.
    /// </summary>
    public PortalDbContext OwnerContext() => new(_ownerOptions);

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var conn = new NpgsqlConnection(Server.AdminConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
