using System.Net;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Web.Features.Invitations;
using KubeHardenPortal.Web.Tests.Infrastructure;

namespace KubeHardenPortal.Web.Tests.Members;

/// <summary>The members and invitation pages render for the right roles (server prerender).</summary>
[Collection(PortalCollection.Name)]
public sealed class MembersPageTests(PortalFixture f)
{
    [Fact]
    public async Task Owner_SeesMembersAndInviteForm_MemberGets403AccessDenied()
    {
        var owner = await TestUsers.CreateAsync(f.Web);
        var member = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, false, (owner.Id, OrgRole.Owner), (member.Id, OrgRole.Member));
        await TestUsers.SelectAsync(f.Db, owner.Id, org);
        await TestUsers.SelectAsync(f.Db, member.Id, org);

        using var ownerClient = await TestUsers.SignedInClientAsync(f.Web, owner.Email!);
        var html = await ownerClient.GetStringAsync("/members");
        Assert.Contains(member.Email!, html, StringComparison.Ordinal);
        Assert.Contains("invite-submit", html, StringComparison.Ordinal);
        Assert.Contains(">Remove<", html, StringComparison.Ordinal);

        using var memberClient = await TestUsers.SignedInClientAsync(f.Web, member.Email!);
        var denied = await memberClient.GetAsync("/members");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Contains("Your account does not have access to that page.", await denied.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(owner.Email!, await denied.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auditor_SeesMembersReadOnly()
    {
        var owner = await TestUsers.CreateAsync(f.Web);
        var auditor = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, false, (owner.Id, OrgRole.Owner), (auditor.Id, OrgRole.Auditor));
        await TestUsers.SelectAsync(f.Db, auditor.Id, org);

        using var client = await TestUsers.SignedInClientAsync(f.Web, auditor.Email!);
        var html = await client.GetStringAsync("/members");
        Assert.Contains(owner.Email!, html, StringComparison.Ordinal);
        Assert.DoesNotContain("invite-submit", html, StringComparison.Ordinal);
        Assert.DoesNotContain(">Remove<", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcceptPage_AsksToJoin_WithoutAnOrganization_AndSignInFirst()
    {
        var user = await TestUsers.CreateAsync(f.Web);
        var link = $"{InvitationLink.Path}?org={Guid.NewGuid()}&token=abc";

        using var anonymous = f.Web.Browserless();
        var redirect = await anonymous.GetAsync(link);
        Assert.Contains("/Account/Login", Forms.Location(redirect), StringComparison.Ordinal);

        using var client = await TestUsers.SignedInClientAsync(f.Web, user.Email!);
        var response = await client.GetAsync(link);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("invite-accept", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
