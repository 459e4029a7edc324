using KubeHardenPortal.Data.Identity;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Testing;

namespace KubeHardenPortal.Data.Tests;

/// <summary>One PostgreSQL and one migrated database for the assembly, seeded with two tenants A and B.</summary>
public sealed class DatabaseFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    public PortalDatabase Db { get; private set; } = null!;

    public Guid TenantA { get; } = Guid.NewGuid();
    public Guid TenantB { get; } = Guid.NewGuid();
    public Guid UserA { get; } = Guid.NewGuid();
    public Guid UserB { get; } = Guid.NewGuid();

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.StartAsync();
        Db = await PortalDatabase.CreateAsync(_server);
        await using var owner = Db.OwnerContext();
        var now = DateTimeOffset.UnixEpoch;
        owner.Users.AddRange(
            new PortalUser { Id = UserA, UserName = "a@example.org", NormalizedUserName = "A@EXAMPLE.ORG", Email = "a@example.org", DisplayName = "A", CreatedAt = now },
            new PortalUser { Id = UserB, UserName = "b@example.org", NormalizedUserName = "B@EXAMPLE.ORG", Email = "b@example.org", DisplayName = "B", CreatedAt = now });
        owner.Organizations.AddRange(
            new Organization { Id = TenantA, Name = "Alpha", Slug = "alpha", CreatedAt = now },
            new Organization { Id = TenantB, Name = "Beta", Slug = "beta", CreatedAt = now });
        owner.Memberships.AddRange(
            new Membership { Id = Guid.NewGuid(), TenantId = TenantA, UserId = UserA, Role = OrgRole.Owner, JoinedAt = now },
            new Membership { Id = Guid.NewGuid(), TenantId = TenantB, UserId = UserB, Role = OrgRole.Owner, JoinedAt = now });
        owner.Teams.AddRange(
            new Teams.Team { Id = Guid.NewGuid(), TenantId = TenantA, Name = "alpha-team", CreatedAt = now },
            new Teams.Team { Id = Guid.NewGuid(), TenantId = TenantB, Name = "beta-team", CreatedAt = now });
        await owner.SaveChangesAsync();
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
