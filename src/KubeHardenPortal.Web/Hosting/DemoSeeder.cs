using KubeHardenPortal.Data.Identity;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Teams;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Features.Audit;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Web.Hosting;

/// <summary>
/// `KubeHardenPortal.Web --seed-demo`: creates the demo organization once (one user per role, two teams) through the
/// application role, like any other write, then exits. A second run finds the owner and changes nothing.
/// </summary>
internal sealed class DemoSeeder(UserManager<PortalUser> users, TenantDbContextFactory dbs, TimeProvider clock, IServiceProvider services)
{
    public const string Switch = "--seed-demo";
    public const string OrganizationName = "Acme Platform";

    /// <summary>Known demo sign-ins (local demo only; printed by scripts/run.sh).</summary>
    public static readonly IReadOnlyList<(string Email, string Name, OrgRole Role, string Password)> Users =
    [
        ("owner@acme.example", "Priya Raman", OrgRole.Owner, "Harden-Owner-2026"),
        ("admin@acme.example", "Marco Rossi", OrgRole.Admin, "Harden-Admin-2026"),
        ("auditor@acme.example", "Aiko Tanaka", OrgRole.Auditor, "Harden-Auditor-2026"),
        ("member@acme.example", "Sam Carter", OrgRole.Member, "Harden-Member-2026"),
    ];

    public static bool IsRequested(string[] args) => args.Contains(Switch, StringComparer.Ordinal);

    public static async Task<int> RunAsync(IServiceProvider root, TextWriter output, CancellationToken cancellationToken)
    {
        await using var scope = root.CreateAsyncScope();
        var seeder = scope.ServiceProvider.GetRequiredService<DemoSeeder>();
        return await seeder.SeedAsync(output, cancellationToken);
    }

    public async Task<int> SeedAsync(TextWriter output, CancellationToken cancellationToken)
    {
        if (await users.FindByEmailAsync(Users[0].Email) is not null)
        {
            await output.WriteLineAsync("seed-demo: the demo organization already exists; nothing to do");
            return 0;
        }

        var now = clock.GetUtcNow();
        var ids = new Dictionary<OrgRole, Guid>();
        foreach (var (email, name, role, password) in Users)
        {
            var user = new PortalUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = name, CreatedAt = now };
            var created = await users.CreateAsync(user, password);
            if (!created.Succeeded)
            {
                await output.WriteLineAsync("seed-demo: failed: " + string.Join(" ", created.Errors.Select(e => e.Description)));
                return 1;
            }

            ids[role] = user.Id;
        }

        var orgId = Guid.CreateVersion7(now);
        await using var db = dbs.CreateFor(orgId);
        db.CurrentUserId = ids[OrgRole.Owner];
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Organizations.Add(new Organization { Id = orgId, Name = OrganizationName, Slug = "acme-platform", CreatedAt = now });
        foreach (var (role, userId) in ids)
        {
            db.Memberships.Add(new Membership { Id = Guid.CreateVersion7(now), UserId = userId, Role = role, JoinedAt = now });
        }

        var platform = new Team { Id = Guid.CreateVersion7(now), Name = "Platform", CreatedAt = now };
        var payments = new Team { Id = Guid.CreateVersion7(now), Name = "Payments", CreatedAt = now };
        db.Teams.AddRange(platform, payments);
        db.TeamMembers.AddRange(
            new TeamMember { Id = Guid.CreateVersion7(now), TeamId = platform.Id, UserId = ids[OrgRole.Admin], Role = TeamRole.Maintainer },
            new TeamMember { Id = Guid.CreateVersion7(now), TeamId = platform.Id, UserId = ids[OrgRole.Member], Role = TeamRole.Engineer },
            new TeamMember { Id = Guid.CreateVersion7(now), TeamId = payments.Id, UserId = ids[OrgRole.Member], Role = TeamRole.Maintainer },
            new TeamMember { Id = Guid.CreateVersion7(now), TeamId = payments.Id, UserId = ids[OrgRole.Auditor], Role = TeamRole.Viewer });
        services.GetRequiredService<AuditTrail>().Add(db, "demo.seeded", "organization", orgId.ToString(),
            "Demo organization with one user per role and two teams", "Demo seeder", ids[OrgRole.Owner]);
        await db.SaveChangesAsync(cancellationToken);
        var all = ids.Values.ToList();
        await db.Users.Where(u => all.Contains(u.Id))
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.SelectedOrganizationId, orgId), cancellationToken);
        await tx.CommitAsync(cancellationToken);

        await output.WriteLineAsync($"seed-demo: created \"{OrganizationName}\" with {Users.Count} users and 2 teams");
        return 0;
    }
}

internal static class DemoSeederRegistration
{
    public static IServiceCollection AddDemoSeeder(this IServiceCollection services) => services.AddScoped<DemoSeeder>();
}
