using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Web.Features.Organizations;

public sealed record MemberRow(Guid UserId, string DisplayName, string Email, OrgRole Role, bool HasMfa, DateTimeOffset JoinedAt);

/// <summary>Members of the active organization, with their MFA status: Owners, Admins and Auditors only.</summary>
public sealed class ListMembersHandler(TenantDbContextFactory dbs, CurrentOrganization current)
{
    public async Task<Result<IReadOnlyList<MemberRow>>> HandleAsync(CancellationToken cancellationToken)
    {
        if (!current.IsActive)
        {
            return Errors.NoOrganization;
        }

        if (!CanRead(current))
        {
            return Errors.Forbidden;
        }

        await using var db = dbs.Create();
        var rows = await (from m in db.Memberships
                          join u in db.Users on m.UserId equals u.Id
                          orderby m.Role descending, u.DisplayName
                          select new MemberRow(u.Id, u.DisplayName, u.Email ?? "", m.Role, u.TwoFactorEnabled, m.JoinedAt))
            .AsNoTracking().ToListAsync(cancellationToken);
        return rows;
    }

    public static bool CanRead(CurrentOrganization current) => current.Has(OrgRole.Auditor);
}
