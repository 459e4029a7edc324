using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Web.Features.Invitations;

public sealed record InvitationRow(Guid Id, string Email, OrgRole Role, string InvitedBy, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, bool Expired);

/// <summary>Pending (neither accepted nor revoked) invitations of the active organization: Owners, Admins and Auditors.</summary>
public sealed class ListInvitationsHandler(TenantDbContextFactory dbs, CurrentOrganization current, TimeProvider clock)
{
    public async Task<Result<IReadOnlyList<InvitationRow>>> HandleAsync(CancellationToken cancellationToken)
    {
        if (!current.Has(OrgRole.Auditor))
        {
            return Errors.Forbidden;
        }

        var now = clock.GetUtcNow();
        await using var db = dbs.Create();
        var rows = await (from i in db.Invitations
                          where i.AcceptedAt == null && i.RevokedAt == null
                          join u in db.Users on i.InvitedByUserId equals u.Id into inviters
                          from u in inviters.DefaultIfEmpty()
                          orderby i.CreatedAt descending
                          select new InvitationRow(i.Id, i.Email, i.Role, u == null ? "" : u.DisplayName, i.CreatedAt, i.ExpiresAt, i.ExpiresAt <= now))
            .AsNoTracking().ToListAsync(cancellationToken);
        return rows;
    }
}
