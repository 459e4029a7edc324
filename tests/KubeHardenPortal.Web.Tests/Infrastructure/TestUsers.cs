using KubeHardenPortal.Data.Identity;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace KubeHardenPortal.Web.Tests.Infrastructure;

/// <summary>Creates confirmed users and organizations directly, for tests that are not about sign-up.</summary>
public static class TestUsers
{
    public const string Password = "Test-Password-2026";

    public static async Task<PortalUser> CreateAsync(PortalWebFactoryBase web, string? email = null, bool confirmed = true)
    {
        using var scope = web.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        email ??= $"user-{Guid.NewGuid():N}@example.org";
        var user = new PortalUser { UserName = email, Email = email, EmailConfirmed = confirmed, DisplayName = "Test " + email[..8] };
        var result = await users.CreateAsync(user, Password);
        Assert.True(result.Succeeded, string.Join(" ", result.Errors.Select(e => e.Description)));
        return user;
    }

    /// <summary>An organization with the given members, seeded as the owner role (bypasses RLS; setup only).</summary>
    public static async Task<Guid> CreateOrganizationAsync(PortalDatabase db, bool requireMfa, params (Guid UserId, OrgRole Role)[] members)
    {
        var orgId = Guid.NewGuid();
        await using var owner = db.OwnerContext();
        owner.Organizations.Add(new Organization
        {
            Id = orgId, Name = "Org " + orgId.ToString("N")[..6], Slug = "org-" + orgId.ToString("N")[..10],
            CreatedAt = DateTimeOffset.UnixEpoch, RequireMfaForAdmins = requireMfa,
        });
        foreach (var (userId, role) in members)
        {
            owner.Memberships.Add(new Membership { Id = Guid.NewGuid(), TenantId = orgId, UserId = userId, Role = role, JoinedAt = DateTimeOffset.UnixEpoch });
        }

        await owner.SaveChangesAsync();
        return orgId;
    }

    public static async Task SelectAsync(PortalDatabase db, Guid userId, Guid? orgId)
    {
        await using var owner = db.OwnerContext();
        var user = await owner.Users.FindAsync(userId);
        user!.SelectedOrganizationId = orgId;
        await owner.SaveChangesAsync();
    }

    /// <summary>Signs in through the real sign-in form; the client keeps the cookie.</summary>
    public static async Task<HttpClient> SignedInClientAsync(PortalWebFactoryBase web, string email)
    {
        var client = web.Browserless();
        var response = await Forms.SubmitAsync(client, "/Account/Login", "login",
            new Dictionary<string, string> { ["Input.Email"] = email, ["Input.Password"] = Password });
        Assert.Equal("/", Forms.LocationPath(response));
        return client;
    }
}
