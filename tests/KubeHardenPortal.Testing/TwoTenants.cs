using KubeHardenPortal.Data.Identity;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Teams;

namespace KubeHardenPortal.Testing;

/// <summary>
/// The two-tenant default every database test starts from (STYLE.md §2.7): organizations Alpha (A) and Beta (B),
/// their owners UserA and UserB, one team each, and UserC who is a Member of both (cross-tenant reads).
/// </summary>
public sealed record TwoTenants(Guid TenantA, Guid TenantB, Guid UserA, Guid UserB, Guid UserC, Guid TeamA, Guid TeamB)
{
    public static TwoTenants New() =>
        new(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());

    /// <summary>Seeds as the owner (RLS does not apply), so seeding never depends on the layers under test.</summary>
    public async Task SeedAsync(PortalDatabase db, CancellationToken cancellationToken = default)
    {
        await using var owner = db.OwnerContext();
        var at = DateTimeOffset.UnixEpoch;
        var suffix = TenantA.ToString("N")[..8];
        owner.Users.AddRange(User(UserA, $"a-{suffix}@example.org", at), User(UserB, $"b-{suffix}@example.org", at),
            User(UserC, $"c-{suffix}@example.org", at));
        owner.Organizations.AddRange(
            new Organization { Id = TenantA, Name = "Alpha", Slug = "alpha-" + suffix, CreatedAt = at },
            new Organization { Id = TenantB, Name = "Beta", Slug = "beta-" + suffix, CreatedAt = at });
        owner.Memberships.AddRange(
            new Membership { Id = Guid.NewGuid(), TenantId = TenantA, UserId = UserA, Role = OrgRole.Owner, JoinedAt = at },
            new Membership { Id = Guid.NewGuid(), TenantId = TenantB, UserId = UserB, Role = OrgRole.Owner, JoinedAt = at },
            new Membership { Id = Guid.NewGuid(), TenantId = TenantA, UserId = UserC, Role = OrgRole.Member, JoinedAt = at },
            new Membership { Id = Guid.NewGuid(), TenantId = TenantB, UserId = UserC, Role = OrgRole.Member, JoinedAt = at });
        owner.Teams.AddRange(
            new Team { Id = TeamA, TenantId = TenantA, Name = "alpha-team", CreatedAt = at },
            new Team { Id = TeamB, TenantId = TenantB, Name = "beta-team", CreatedAt = at });
        await owner.SaveChangesAsync(cancellationToken);
    }

    private static PortalUser User(Guid id, string email, DateTimeOffset at) => new()
    {
        Id = id, UserName = email, NormalizedUserName = email.ToUpperInvariant(), Email = email,
        NormalizedEmail = email.ToUpperInvariant(), EmailConfirmed = true, DisplayName = email[..1].ToUpperInvariant(),
        CreatedAt = at, SecurityStamp = Guid.NewGuid().ToString("N"),
    };
}
