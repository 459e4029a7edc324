using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Web.Features.ApiTokens;
using KubeHardenPortal.Web.Features.Members;
using KubeHardenPortal.Web.Features.Organizations;
using KubeHardenPortal.Web.Security;
using KubeHardenPortal.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KubeHardenPortal.Web.Tests.Api;

/// <summary>An API token never acts above its creator's current role and dies with the creator's membership.</summary>
[Collection(PortalCollection.Name)]
public sealed class ApiTokenCreatorTests(PortalFixture f)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    [Fact]
    public async Task CreatorDemoted_TokenActsWithTheCreatorsCurrentRole_AndItsAuditorCallIs403()
    {
        var (org, _, admin, token) = await OrgWithAdminTokenAsync(OrgRole.Admin);
        var api = Bearer(token.Token);
        Assert.Equal("Admin", (await api.GetFromJsonAsync<OrganizationDto>("/api/v1/organization"))!.Role);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/audit-events")).StatusCode);

        await SetRoleAsync(org, admin, OrgRole.Member);
        Assert.Equal("Member", (await api.GetFromJsonAsync<OrganizationDto>("/api/v1/organization"))!.Role);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.GetAsync("/api/v1/audit-events")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.GetAsync("/api/v1/members")).StatusCode);

        // min(token role, creator role): promoting the creator back never lifts the token above its own role.
        await SetRoleAsync(org, admin, OrgRole.Owner);
        Assert.Equal("Admin", (await api.GetFromJsonAsync<OrganizationDto>("/api/v1/organization"))!.Role);
    }

    [Fact]
    public async Task CreatorNoLongerAMember_Token401_RevokedForGood_AuditedOnce()
    {
        var (org, _, admin, token) = await OrgWithAdminTokenAsync(OrgRole.Auditor);
        var api = Bearer(token.Token);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/organization")).StatusCode);

        // Removed by any path (here straight in the database), the next call is refused.
        await using (var db = f.Db.OwnerContext())
        {
            await db.Memberships.IgnoreQueryFilters().Where(m => m.TenantId == org && m.UserId == admin).ExecuteDeleteAsync();
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/organization")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/organization")).StatusCode);

        // Re-adding the creator does not revive the token.
        await using (var db = f.Db.OwnerContext())
        {
            db.Memberships.Add(new Membership { Id = Guid.NewGuid(), TenantId = org, UserId = admin, Role = OrgRole.Admin, JoinedAt = DateTimeOffset.UnixEpoch });
            await db.SaveChangesAsync();
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/organization")).StatusCode);
        await using (var db = f.Db.OwnerContext())
        {
            Assert.NotNull((await db.ApiTokens.IgnoreQueryFilters().SingleAsync(t => t.Id == token.Id)).RevokedAt);
            var revoked = await db.AuditEvents.IgnoreQueryFilters()
                .Where(e => e.TenantId == org && e.Action == "token.revoked" && e.TargetId == token.Id.ToString()).ToListAsync();
            var audit = Assert.Single(revoked);
            Assert.Contains("no longer a member", audit.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RemovingAMember_RevokesTheTokensTheyCreated_InTheSameChange()
    {
        var (org, owner, admin, token) = await OrgWithAdminTokenAsync(OrgRole.Member);
        await TestUsers.SelectAsync(f.Db, owner, org);
        await using (var scope = f.Web.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<OrganizationAccessResolver>().ResolveAsync(owner, CancellationToken.None);
            var removed = await scope.ServiceProvider.GetRequiredService<RemoveMemberHandler>().HandleAsync(new(admin), CancellationToken.None);
            Assert.True(removed.Succeeded, removed.Error?.Message);
        }

        await using (var db = f.Db.OwnerContext())
        {
            Assert.NotNull((await db.ApiTokens.IgnoreQueryFilters().SingleAsync(t => t.Id == token.Id)).RevokedAt);
            Assert.True(await db.AuditEvents.IgnoreQueryFilters()
                .AnyAsync(e => e.TenantId == org && e.Action == "token.revoked" && e.TargetId == token.Id.ToString()));
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await Bearer(token.Token).GetAsync("/api/v1/organization")).StatusCode);
    }

    /// <summary>An organization with an Owner and an Admin; the Admin, signed in, creates a token with <paramref name="role"/>.</summary>
    private async Task<(Guid Org, Guid Owner, Guid Admin, CreatedApiToken Token)> OrgWithAdminTokenAsync(OrgRole role)
    {
        var owner = await TestUsers.CreateAsync(f.Web);
        var admin = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, requireMfa: false, (owner.Id, OrgRole.Owner), (admin.Id, OrgRole.Admin));
        await TestUsers.SelectAsync(f.Db, admin.Id, org);
        var client = await TestUsers.SignedInClientAsync(f.Web, admin.Email!);
        var response = await client.PostAsJsonAsync("/api/v1/api-tokens", new { name = "ci", role = (int)role, expiresInDays = 30 });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (org, owner.Id, admin.Id, (await response.Content.ReadFromJsonAsync<CreatedApiToken>(Json))!);
    }

    private async Task SetRoleAsync(Guid org, Guid user, OrgRole role)
    {
        await using var db = f.Db.OwnerContext();
        await db.Memberships.IgnoreQueryFilters().Where(m => m.TenantId == org && m.UserId == user)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Role, role));
    }

    private HttpClient Bearer(string token)
    {
        var client = f.Web.Browserless();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
