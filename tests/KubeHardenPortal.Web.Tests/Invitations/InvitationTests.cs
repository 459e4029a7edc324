using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Web.Features.Invitations;
using KubeHardenPortal.Web.Security;
using KubeHardenPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KubeHardenPortal.Web.Tests.Invitations;

/// <summary>Invitations by link: create, list, revoke, accept (single use, matching confirmed e-mail), all audited.</summary>
[Collection(PortalCollection.Name)]
public sealed class InvitationTests(PortalFixture f)
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task Invite_Accept_JoinsWithTheRole_OnlyOnce_AndOnlyTheHashIsStored()
    {
        var owner = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, false, (owner.Id, OrgRole.Owner));
        var invitee = await TestUsers.CreateAsync(f.Web);

        CreatedInvitation created;
        await using (var scope = await ScopeForAsync(owner.Id, org))
        {
            created = (await Get<CreateInvitationHandler>(scope).HandleAsync(new(invitee.Email!.ToUpperInvariant(), OrgRole.Auditor), Ct)).Value!;
            var pending = (await Get<ListInvitationsHandler>(scope).HandleAsync(Ct)).Value!;
            Assert.Equal([created.Id], pending.Select(p => p.Id));
            Assert.InRange(created.ExpiresAt - DateTimeOffset.UtcNow, TimeSpan.FromDays(6.9), TimeSpan.FromDays(7.1));
        }

        var (linkOrg, token) = Parse(created.Link);
        Assert.Equal(org, linkOrg);
        await using (var db = f.Db.OwnerContext())
        {
            var stored = await db.Invitations.IgnoreQueryFilters().SingleAsync(i => i.Id == created.Id);
            Assert.Equal(InvitationLink.Hash(token), stored.TokenHash);
            Assert.DoesNotContain(token, stored.TokenHash, StringComparison.Ordinal);
        }

        await using (var scope = await ScopeForAsync(invitee.Id, null))
        {
            var accepted = await Get<AcceptInvitationHandler>(scope).HandleAsync(new(linkOrg, token), Ct);
            Assert.True(accepted.Succeeded, accepted.Error?.Message);
            var current = scope.ServiceProvider.GetRequiredService<CurrentOrganization>();
            Assert.Equal(org, current.Organization?.Id);
            Assert.Equal(OrgRole.Auditor, current.Role);
            var again = await Get<AcceptInvitationHandler>(scope).HandleAsync(new(linkOrg, token), Ct);
            Assert.Contains("already been used", again.Error?.Message, StringComparison.Ordinal);
        }

        Assert.Equal(["invitation.created", "invitation.accepted"], await ActionsAsync(org));
    }

    [Fact]
    public async Task Accept_RefusesOtherEmail_UnconfirmedEmail_WrongToken_WrongOrganization()
    {
        var owner = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, false, (owner.Id, OrgRole.Owner));
        var otherOrg = await TestUsers.CreateOrganizationAsync(f.Db, false, (owner.Id, OrgRole.Owner));
        var unconfirmedEmail = $"unconfirmed-{Guid.NewGuid():N}@example.org";
        var unconfirmed = await TestUsers.CreateAsync(f.Web, unconfirmedEmail, confirmed: false);
        var stranger = await TestUsers.CreateAsync(f.Web);
        var link = await InviteAsync(owner.Id, org, unconfirmedEmail, OrgRole.Member);
        var (linkOrg, token) = Parse(link);

        await using (var scope = await ScopeForAsync(stranger.Id, null))
        {
            Assert.Equal("forbidden", (await Get<AcceptInvitationHandler>(scope).HandleAsync(new(linkOrg, token), Ct)).Error?.Code);
            Assert.Equal("not_found", (await Get<AcceptInvitationHandler>(scope).HandleAsync(new(linkOrg, token + "x"), Ct)).Error?.Code);
            Assert.Equal("not_found", (await Get<AcceptInvitationHandler>(scope).HandleAsync(new(otherOrg, token), Ct)).Error?.Code);
        }

        await using (var scope = await ScopeForAsync(unconfirmed.Id, null))
        {
            Assert.Equal("forbidden", (await Get<AcceptInvitationHandler>(scope).HandleAsync(new(linkOrg, token), Ct)).Error?.Code);
        }

        await using var db = f.Db.OwnerContext();
        Assert.False(await db.Memberships.IgnoreQueryFilters().AnyAsync(m => m.UserId == stranger.Id || m.UserId == unconfirmed.Id));
    }

    [Fact]
    public async Task RevokedAndExpiredLinks_SayWhy()
    {
        var owner = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, false, (owner.Id, OrgRole.Owner));
        var invitee = await TestUsers.CreateAsync(f.Web);
        var revokedLink = await InviteAsync(owner.Id, org, invitee.Email!, OrgRole.Member);
        var expiredLink = await InviteAsync(owner.Id, org, invitee.Email!, OrgRole.Member);

        await using (var scope = await ScopeForAsync(owner.Id, org))
        {
            var pending = (await Get<ListInvitationsHandler>(scope).HandleAsync(Ct)).Value!;
            var toRevoke = await IdOfAsync(revokedLink);
            Assert.True((await Get<RevokeInvitationHandler>(scope).HandleAsync(new(toRevoke), Ct)).Succeeded);
            Assert.Equal("conflict", (await Get<RevokeInvitationHandler>(scope).HandleAsync(new(toRevoke), Ct)).Error?.Code);
            Assert.Equal(2, pending.Count);
            Assert.Single((await Get<ListInvitationsHandler>(scope).HandleAsync(Ct)).Value!);
        }

        var expiredId = await IdOfAsync(expiredLink);
        await using (var db = f.Db.OwnerContext())
        {
            await db.Invitations.IgnoreQueryFilters().Where(i => i.Id == expiredId)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1)));
        }

        await using (var scope = await ScopeForAsync(invitee.Id, null))
        {
            var (o1, t1) = Parse(revokedLink);
            Assert.Contains("revoked", (await Get<AcceptInvitationHandler>(scope).HandleAsync(new(o1, t1), Ct)).Error?.Message, StringComparison.Ordinal);
            var (o2, t2) = Parse(expiredLink);
            Assert.Contains("expired", (await Get<AcceptInvitationHandler>(scope).HandleAsync(new(o2, t2), Ct)).Error?.Message, StringComparison.Ordinal);
        }

        Assert.Equal(["invitation.created", "invitation.created", "invitation.revoked"], await ActionsAsync(org));
    }

    [Fact]
    public async Task Roles_AdminCannotInviteOwner_MemberAndAuditorCannotInviteOrRevoke()
    {
        var owner = await TestUsers.CreateAsync(f.Web);
        var admin = await TestUsers.CreateAsync(f.Web);
        var member = await TestUsers.CreateAsync(f.Web);
        var auditor = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, false,
            (owner.Id, OrgRole.Owner), (admin.Id, OrgRole.Admin), (member.Id, OrgRole.Member), (auditor.Id, OrgRole.Auditor));
        var ownerInvite = await IdOfAsync(await InviteAsync(owner.Id, org, "new-owner@example.org", OrgRole.Owner));

        await using (var scope = await ScopeForAsync(admin.Id, org))
        {
            Assert.Equal("forbidden", (await Get<CreateInvitationHandler>(scope).HandleAsync(new("x@example.org", OrgRole.Owner), Ct)).Error?.Code);
            Assert.Equal("forbidden", (await Get<RevokeInvitationHandler>(scope).HandleAsync(new(ownerInvite), Ct)).Error?.Code);
            Assert.True((await Get<CreateInvitationHandler>(scope).HandleAsync(new("x@example.org", OrgRole.Admin), Ct)).Succeeded);
            Assert.Equal("invalid", (await Get<CreateInvitationHandler>(scope).HandleAsync(new("not-an-email", OrgRole.Member), Ct)).Error?.Code);
            Assert.Equal("invalid", (await Get<CreateInvitationHandler>(scope).HandleAsync(new("y@example.org", OrgRole.Member, 0), Ct)).Error?.Code);
            Assert.Equal("conflict", (await Get<CreateInvitationHandler>(scope).HandleAsync(new(member.Email!, OrgRole.Member), Ct)).Error?.Code);
        }

        foreach (var user in new[] { member, auditor })
        {
            await using var scope = await ScopeForAsync(user.Id, org);
            Assert.Equal("forbidden", (await Get<CreateInvitationHandler>(scope).HandleAsync(new("z@example.org", OrgRole.Member), Ct)).Error?.Code);
            Assert.Equal("forbidden", (await Get<RevokeInvitationHandler>(scope).HandleAsync(new(ownerInvite), Ct)).Error?.Code);
        }

        await using (var scope = await ScopeForAsync(member.Id, org))
        {
            Assert.Equal("forbidden", (await Get<ListInvitationsHandler>(scope).HandleAsync(Ct)).Error?.Code);
        }

        await using (var scope = await ScopeForAsync(auditor.Id, org))
        {
            Assert.Equal(2, (await Get<ListInvitationsHandler>(scope).HandleAsync(Ct)).Value!.Count);
        }
    }

    [Fact]
    public async Task AnotherOrganizationsInvitation_CannotBeRevokedOrListed()
    {
        var owner = await TestUsers.CreateAsync(f.Web);
        var otherOwner = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, false, (owner.Id, OrgRole.Owner));
        var otherOrg = await TestUsers.CreateOrganizationAsync(f.Db, false, (otherOwner.Id, OrgRole.Owner));
        var theirs = await IdOfAsync(await InviteAsync(otherOwner.Id, otherOrg, "someone@example.org", OrgRole.Member));

        await using (var scope = await ScopeForAsync(owner.Id, org))
        {
            Assert.Equal("not_found", (await Get<RevokeInvitationHandler>(scope).HandleAsync(new(theirs), Ct)).Error?.Code);
            Assert.Empty((await Get<ListInvitationsHandler>(scope).HandleAsync(Ct)).Value!);
        }

        await using var db = f.Db.OwnerContext();
        Assert.Null((await db.Invitations.IgnoreQueryFilters().SingleAsync(i => i.Id == theirs)).RevokedAt);
    }

    private static T Get<T>(AsyncServiceScope scope) where T : notnull => scope.ServiceProvider.GetRequiredService<T>();

    private static (Guid Org, string Token) Parse(string link)
    {
        var query = QueryHelpers.ParseQuery(new Uri(new Uri("http://localhost"), link).Query);
        Assert.StartsWith(InvitationLink.Path + "?", link, StringComparison.Ordinal);
        return (Guid.Parse(query["org"]!), query["token"]!);
    }

    private async Task<Guid> IdOfAsync(string link)
    {
        var hash = InvitationLink.Hash(Parse(link).Token);
        await using var db = f.Db.OwnerContext();
        return await db.Invitations.IgnoreQueryFilters().Where(i => i.TokenHash == hash).Select(i => i.Id).SingleAsync();
    }

    private async Task<string> InviteAsync(Guid inviter, Guid org, string email, OrgRole role)
    {
        await using var scope = await ScopeForAsync(inviter, org);
        var result = await Get<CreateInvitationHandler>(scope).HandleAsync(new(email, role), Ct);
        Assert.True(result.Succeeded, result.Error?.Message);
        return result.Value!.Link;
    }

    private async Task<AsyncServiceScope> ScopeForAsync(Guid userId, Guid? org)
    {
        await TestUsers.SelectAsync(f.Db, userId, org);
        var scope = f.Web.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<OrganizationAccessResolver>().ResolveAsync(userId, Ct);
        return scope;
    }

    private async Task<List<string>> ActionsAsync(Guid org)
    {
        await using var db = f.Db.OwnerContext();
        return await db.AuditEvents.IgnoreQueryFilters().Where(a => a.TenantId == org).OrderBy(a => a.Id).Select(a => a.Action).ToListAsync();
    }
}
