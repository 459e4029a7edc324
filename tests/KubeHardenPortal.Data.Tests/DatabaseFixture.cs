using KubeHardenPortal.Testing;

namespace KubeHardenPortal.Data.Tests;

/// <summary>One PostgreSQL and one migrated database for the whole assembly, seeded with the two-tenant default.</summary>
public sealed class DatabaseFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    public PostgresServer Server => _server ?? throw new InvalidOperationException("not started");

    public PortalDatabase Db { get; private set; } = null!;

    public TwoTenants T { get; } = TwoTenants.New();

    public Guid TenantA => T.TenantA;
    public Guid TenantB => T.TenantB;
    public Guid UserA => T.UserA;
    public Guid UserB => T.UserB;
    public Guid UserC => T.UserC;

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.StartAsync();
        Db = await PortalDatabase.CreateAsync(_server);
        await T.SeedAsync(Db);
    }

    public async Task DisposeAsync()
    {
        await Db.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DatabaseCollection : ICollectionFixture<DatabaseFixture>
{
    public const string Name = "database";
}
